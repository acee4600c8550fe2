"""Black-box tests of kmslab-emulator: a real process on port 0, spoken to by curl and sockets."""
import os

import pytest

from kmslab_harness import Emulator

pytest_plugins = ["ci_skips"]  # under CI=true a skip is a failure (ci_skips.py)


def pytest_addoption(parser):
    parser.addoption("--emulator", required=True, help="path to the kmslab-emulator binary")
    # The apiserver part of test_log_secrets.py (the apiserver's own suite is apiserver/).
    parser.addoption("--apiserver", default=None, help="path to the kmslab-apiserver binary")
    parser.addoption("--mock-plugin", default=None, help="path to kmslab-mock-kms-plugin")


@pytest.fixture(scope="session")
def emulator_binary(request):
    return os.path.abspath(request.config.getoption("--emulator"))


@pytest.fixture
def emulator(emulator_binary, tmp_path):
    emu = Emulator(emulator_binary, tmp_path / "data",
                   ["--clock", "manual", "--clock-start", "2026-01-01T00:00:00Z", "--seed", "7"])
    emu.start()
    yield emu
    assert emu.stop() == 0
