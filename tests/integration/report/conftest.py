"""Renders a run result with kmslab-report and opens the page in headless Chromium."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
pytest_plugins = ["ci_skips"]  # under CI=true a skip is a failure (../ci_skips.py)


def pytest_addoption(parser):
    parser.addoption("--kmslab-report", required=True, help="path to the kmslab-report binary")
    parser.addoption("--artefacts", required=True,
                     help="folder kept after the run for the rendered page and its screenshot")


@pytest.fixture(scope="session")
def report_binary(request):
    return Path(request.config.getoption("--kmslab-report")).resolve()


@pytest.fixture(scope="session")
def artefacts(request):
    folder = Path(request.config.getoption("--artefacts")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder
