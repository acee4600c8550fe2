"""The KMS plugin against a running emulator: fixtures for both processes."""
import os

import pytest


def pytest_addoption(parser):
    parser.addoption("--emulator", required=True, help="path to the kmslab-emulator binary")
    parser.addoption("--kms-plugin", default=None, help="path to the kmslab-kms-plugin binary")
    parser.addoption("--kms-load", default=None, help="path to the kmslab-kms-load C++ client")


@pytest.fixture(scope="session")
def emulator_binary(request):
    return os.path.abspath(request.config.getoption("--emulator"))


def _binary(request, option):
    path = request.config.getoption(option)
    if not path:
        pytest.fail(f"{option} is required for the plugin suite")
    return os.path.abspath(path)


@pytest.fixture(scope="session")
def plugin_binary(request):
    return _binary(request, "--kms-plugin")


@pytest.fixture(scope="session")
def load_binary(request):
    return _binary(request, "--kms-load")
