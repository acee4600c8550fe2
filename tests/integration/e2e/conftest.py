"""Fixtures for the end-to-end suite: the binaries, and the helpers of the plugin and apiserver
suites (loaded from their files, so there is one copy of each)."""
import importlib.util
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "plugin"))
BINARIES = {"emulator": "kmslab-emulator", "kms-plugin": "kmslab-kms-plugin", "apiserver": "kmslab-apiserver"}
pytest_plugins = ["ci_skips"]  # under CI=true a skip is a failure (../ci_skips.py)


def load_apiserver_support():
    spec = importlib.util.spec_from_file_location("apiserver_support", HERE.parent / "apiserver" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_addoption(parser):
    for name, binary in BINARIES.items():
        parser.addoption(f"--{name}", required=True, help=f"path to the {binary} binary")


@pytest.fixture(scope="session")
def binaries(request):
    return {name: os.path.abspath(request.config.getoption(f"--{name}")) for name in BINARIES}
