"""The emulator process (serving Entra ID) and the SDK client runner, shared by conftest and tests.

(A module of its own, not conftest, so it imports the same way whether pytest runs this folder
alone or the whole integration folder with its own conftest.)"""
import json
import os
import subprocess
import sys
from pathlib import Path

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


_CLEARED = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE",
            "SSL_CERT_FILE", "CURL_CA_BUNDLE")


def run_client(request, env_overrides, timeout=90):
    """Runs get_token.py in a fresh Debian python3 with a controlled environment (no inherited
    proxy, CA or AZURE_* settings). Returns (returncode, parsed stdout or None, stderr)."""
    env = {k: v for k, v in os.environ.items()
           if k.upper() not in _CLEARED and not k.startswith("AZURE_")}
    env.update(env_overrides)
    out = subprocess.run([sys.executable, str(HERE / "get_token.py"), json.dumps(request)],
                         capture_output=True, text=True, env=env, timeout=timeout)
    parsed = json.loads(out.stdout) if out.returncode == 0 and out.stdout.strip() else None
    return out.returncode, parsed, out.stderr
