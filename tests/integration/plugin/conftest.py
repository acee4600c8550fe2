"""The KMS plugin against a running emulator: fixtures for both processes."""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
pytest_plugins = ["ci_skips"]  # under CI=true a skip is a failure (../ci_skips.py)


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


@pytest.fixture(scope="session")
def pb(tmp_path_factory):
    """grpcio stubs generated from proto/ for this run."""
    from plugin_support import generate_stubs
    return generate_stubs(tmp_path_factory.mktemp("stubs"))


@pytest.fixture
def emu_key(emulator_binary, tmp_path):
    """An emulator (manual clock) with one vault and an RSA-2048 key: (emu, key version)."""
    from keyvault_support import START, VAULT, Vault
    from kmslab_harness import Emulator
    emu = Emulator(emulator_binary, tmp_path / "emu", ["--clock", "manual", "--clock-start", START,
                                                      "--vault", VAULT]).start()
    status, _, key = Vault(emu).request("POST", "/keys/kek/create?api-version=7.4",
                                        {"kty": "RSA", "key_size": 2048})
    assert status == 200, key
    yield emu, key["key"]["kid"].rsplit("/", 1)[1]
    emu.stop()


@pytest.fixture
def started(plugin_binary, emu_key, tmp_path):
    """emu_key and a plugin using it: (emu, plugin, version)."""
    from plugin_support import Plugin
    emu, version = emu_key
    p = Plugin(plugin_binary, tmp_path, emu, version).start()
    yield emu, p, version
    assert p.stop() == 0, p.log.read_text()
