"""AKS suite: one ARM-only emulator and one logged-in az configuration per test module."""
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "arm"))
sys.path.insert(0, str(HERE.parent))
from arm_support import AzCli, Emulator, GROUP, SUBSCRIPTION, TENANT  # noqa: E402

pytest_plugins = ["ci_skips"]  # under CI=true a skip is a failure (../ci_skips.py)


def pytest_addoption(parser):
    parser.addoption("--arm-emulator", default=None, help="path to the kmslab-emulator binary")


@pytest.fixture(scope="module")
def emu(request, tmp_path_factory):
    binary = request.config.getoption("--arm-emulator", default=None)
    if not binary:
        pytest.skip("--arm-emulator not given")
    e = Emulator(os.path.abspath(binary), tmp_path_factory.mktemp("aks") / "data",
                 ["--clock", "manual", "--clock-start", "2026-01-01T00:00:00Z", "--tenant", TENANT,
                  "--subscription", SUBSCRIPTION, "--resource-group", GROUP,
                  "--aks-control-planes", "none"]).start()
    yield e
    assert e.stop() == 0


@pytest.fixture(scope="module")
def az(emu, tmp_path_factory):
    if not os.path.exists("/usr/bin/az"):
        pytest.skip("az CLI (Debian azure-cli) not installed")
    return AzCli(emu, tmp_path_factory.mktemp("az")).setup()
