"""The emulator process (serving Entra ID) and the SDK client runner, shared by conftest and tests.

(A module of its own, not conftest, so it imports the same way whether pytest runs this folder
alone or the whole integration folder with its own conftest.)"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TENANT = "72c8c4a6-3b1e-4e55-9d6e-0a1b2c3d4e5f"


class IdentityServer:
    """One kmslab-emulator process with its own data directory."""

    def __init__(self, binary, data_dir):
        self.binary = binary
        self.data_dir = Path(data_dir)
        self.proc = None
        self.endpoints = None

    def start(self):
        endpoints_file = self.data_dir / "endpoints.json"
        if endpoints_file.exists():
            endpoints_file.unlink()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.binary, "--data-dir", str(self.data_dir), "--port", "0", "--tenant", TENANT,
             "--log-file", str(self.data_dir / "server.log")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited {self.proc.returncode}: {self.proc.stderr.read()}")
            try:
                self.endpoints = json.loads(endpoints_file.read_text())
                return self
            except (FileNotFoundError, json.JSONDecodeError):
                time.sleep(0.02)
        raise AssertionError("timed out waiting for endpoints.json")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
        return self.proc.returncode

    @property
    def url(self):
        return self.endpoints["https"]

    @property
    def port(self):
        return int(self.url.rsplit(":", 1)[1])

    @property
    def proxy(self):
        return self.endpoints["proxy"]

    @property
    def ca(self):
        return self.endpoints["ca"]


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
