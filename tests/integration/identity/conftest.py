"""Starts kmslab-emulator for real-client logins against its Entra ID endpoints.

The suite is skipped when --server is not given, so a pytest run over the parent folder (which
has its own required options) does not fail on it.
"""
import sys
from pathlib import Path

import pytest

from identity_server import running

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
pytest_plugins = ["ci_skips"]  # under CI=true a skip is a failure (../ci_skips.py)


def pytest_addoption(parser):
    parser.addoption("--server", default=None, help="path to the kmslab-emulator binary")


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    with running(request, tmp_path_factory.mktemp("identity") / "data") as srv:
        yield srv
