"""Incident bundles of clusters on their own etcd: a `tools/kmslab up` stack (its demo cluster
runs on etcd) exported and replayed. Under CI=true a skip is a failure (../ci_skips.py)."""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "up"))

pytest_plugins = ["ci_skips"]


def pytest_addoption(parser):
    parser.addoption("--build-dir", default=None, help="the build tree with kmslab-emulator")
