"""AKS suite: one ARM-only emulator (--aks-control-planes=none) and one logged-in az
configuration per test module (the ARM suite's fixtures, ../arm/arm_support.py)."""
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "arm"))
sys.path.insert(0, str(HERE.parent))
from arm_support import az_fixture, emulator_fixture  # noqa: E402

pytest_plugins = ["ci_skips"]  # under CI=true a skip is a failure (../ci_skips.py)


def pytest_addoption(parser):
    parser.addoption("--arm-emulator", default=None, help="path to the kmslab-emulator binary")


@pytest.fixture(scope="module")
def emu(request, tmp_path_factory):
    yield from emulator_fixture(request, tmp_path_factory, "aks", ["--aks-control-planes", "none"])


@pytest.fixture(scope="module")
def az(emu, tmp_path_factory):
    return az_fixture(emu, tmp_path_factory)
