"""kmslab-run's own suite: the runner binary on scenario sets written to a temp dir."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
pytest_plugins = ["ci_skips"]  # under CI=true a skip is a failure (../ci_skips.py)


def pytest_addoption(parser):
    parser.addoption("--kmslab-run", default=None, help="path to the kmslab-run binary")


@pytest.fixture(scope="session")
def kmslab_run(request):
    path = request.config.getoption("--kmslab-run")
    if not path:
        pytest.skip("--kmslab-run not given")
    return path
