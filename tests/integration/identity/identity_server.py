"""The emulator process (serving Entra ID) and the SDK client runner, shared by conftest and tests.

(A module of its own, not conftest, so it imports the same way whether pytest runs this folder
alone or the whole integration folder with its own conftest.)"""
import base64
import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the shared harness of the integration tests
from kmslab_harness import Emulator  # noqa: E402

TENANT = "72c8c4a6-3b1e-4e55-9d6e-0a1b2c3d4e5f"


class IdentityServer(Emulator):
    """The emulator, with this suite's own tenant as its default tenant."""

    def __init__(self, binary, data_dir):
        super().__init__(binary, data_dir, ["--tenant", TENANT])

    @property
    def port(self):
        return super().port()


@contextlib.contextmanager
def running(request, data_dir, extra_args=()):
    """An emulator for the test session's --server binary (the test skips without one), stopped
    cleanly at the end."""
    binary = request.config.getoption("--server", default=None)
    if not binary:
        pytest.skip("--server not given")
    srv = IdentityServer(os.path.abspath(binary), data_dir)
    srv.extra_args += list(extra_args)
    srv.start()
    try:
        yield srv
    finally:
        assert srv.stop() == 0


def claims_of(token):
    """A JWT's payload, unverified."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


_CLEARED = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE",
            "SSL_CERT_FILE", "CURL_CA_BUNDLE")


_MANAGED_IDENTITY = ("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET",
                     "IMDS_ENDPOINT", "IDENTITY_SERVER_THUMBPRINT")


def clean_env(env_overrides):
    """This process's environment without proxy, CA, AZURE_* or managed identity settings, plus
    `env_overrides`."""
    env = {k: v for k, v in os.environ.items()
           if k.upper() not in _CLEARED + _MANAGED_IDENTITY and not k.startswith("AZURE_")}
    env.update(env_overrides)
    return env


def run_client(request, env_overrides, timeout=90, script="get_token.py"):
    """Runs `script` (get_token.py: ClientSecretCredential; mi_client.py:
    ManagedIdentityCredential) in a fresh Debian python3 with a controlled environment.
    Returns (returncode, parsed stdout or None, stderr)."""
    out = subprocess.run([sys.executable, str(HERE / script), json.dumps(request)],
                         capture_output=True, text=True, env=clean_env(env_overrides),
                         timeout=timeout)
    parsed = json.loads(out.stdout) if out.returncode == 0 and out.stdout.strip() else None
    return out.returncode, parsed, out.stderr
