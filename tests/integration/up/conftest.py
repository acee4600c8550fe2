"""`tools/kmslab up` end to end: the command itself (--no-build, on this build tree), its demo,
its printed lines and the README's tour. Under CI=true a skip is a failure (../ci_skips.py)."""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

pytest_plugins = ["ci_skips"]


def pytest_addoption(parser):
    parser.addoption("--build-dir", default=None, help="the build tree tools/kmslab up runs from")
