"""ARM suite: one emulator and one logged-in az configuration per test module."""
import sys
from pathlib import Path

import pytest

from arm_support import az_fixture, emulator_fixture

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
pytest_plugins = ["ci_skips"]  # under CI=true a skip is a failure (../ci_skips.py)


def pytest_addoption(parser):
    parser.addoption("--arm-emulator", default=None, help="path to the kmslab-emulator binary")


@pytest.fixture(scope="module")
def emu(request, tmp_path_factory):
    yield from emulator_fixture(request, tmp_path_factory, "arm")


@pytest.fixture(scope="module")
def az(emu, tmp_path_factory):
    return az_fixture(emu, tmp_path_factory)
