"""ARM suite: one emulator and one logged-in az configuration per test module."""
import os
import sys
from pathlib import Path

import pytest

from arm_support import AzCli, start_emulator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
pytest_plugins = ["ci_skips"]  # under CI=true a skip is a failure (../ci_skips.py)


def pytest_addoption(parser):
    parser.addoption("--arm-emulator", default=None, help="path to the kmslab-emulator binary")


@pytest.fixture(scope="module")
def emu(request, tmp_path_factory):
    binary = request.config.getoption("--arm-emulator", default=None)
    if not binary:
        pytest.skip("--arm-emulator not given")
    e = start_emulator(os.path.abspath(binary), tmp_path_factory.mktemp("arm") / "data")
    yield e
    assert e.stop() == 0


@pytest.fixture(scope="module")
def az(emu, tmp_path_factory):
    if not os.path.exists("/usr/bin/az"):
        pytest.skip("az CLI (Debian azure-cli) not installed")
    return AzCli(emu, tmp_path_factory.mktemp("az")).setup()
