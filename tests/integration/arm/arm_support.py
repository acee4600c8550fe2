"""The emulator for ARM tests, and az CLI 2.45 (Debian's /usr/bin/az) pointed at it.

az runs with an isolated AZURE_CONFIG_DIR and HOME, trusts the emulator's CA through
REQUESTS_CA_BUNDLE, and talks to a custom cloud whose endpoints are the emulator's own host:
resourceManager and Graph path-routed, the /adfs authority for the service-principal login
(reference aks.md §6.1-6.3). (A module of its own, not conftest, so it imports the same way
whether pytest runs this folder alone or with the parent folder.)"""
import base64
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
import ssl
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from kmslab_harness import Emulator, wait_for  # noqa: E402,F401

TENANT = "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8"
SUBSCRIPTION = "3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
GROUP = "kmslab"
CLIENT_ID = "0a1b2c3d-0000-4000-8000-00000000a2a2"
ARM_AUDIENCE = "https://management.core.windows.net/"

_CLEARED = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "https_proxy", "http_proxy",
            "SSL_CERT_FILE", "CURL_CA_BUNDLE", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET",
            "AZURE_TENANT_ID", "MSI_ENDPOINT")


def start_emulator(binary, data_dir, extra_args=()):
    return Emulator(binary, data_dir, ["--clock", "manual", "--clock-start",
                                       "2026-01-01T00:00:00Z", "--tenant", TENANT,
                                       "--subscription", SUBSCRIPTION,
                                       "--resource-group", GROUP, *extra_args]).start()


def emulator_fixture(request, tmp_path_factory, name, extra_args=()):
    """The body of a suite's module-scoped `emu` fixture (a generator: yield from it)."""
    import pytest
    binary = request.config.getoption("--arm-emulator", default=None)
    if not binary:
        pytest.skip("--arm-emulator not given")
    e = start_emulator(os.path.abspath(binary), tmp_path_factory.mktemp(name) / "data", extra_args)
    yield e
    assert e.stop() == 0


def az_fixture(emu, tmp_path_factory):
    """The body of a suite's `az` fixture: az 2.45 logged in to `emu`."""
    import pytest
    if not os.path.exists("/usr/bin/az"):
        pytest.skip("az CLI (Debian azure-cli) not installed")
    return AzCli(emu, tmp_path_factory.mktemp("az")).setup()


def get_token(emu, resource=ARM_AUDIENCE, client_id=CLIENT_ID):
    """A client-credentials token from the emulator's /adfs authority (v1 form)."""
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                   "client_secret": "s3cret", "resource": resource}).encode()
    ctx = ssl.create_default_context(cafile=emu.ca)
    with urllib.request.urlopen(emu.url + "/adfs/oauth2/token", body, context=ctx) as r:
        return json.loads(r.read())["access_token"]


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def arm_call(emu, method, path, body=None, token=None, headers=None):
    """(status, headers, parsed body or text) of one ARM request over urllib."""
    req = urllib.request.Request(emu.url + path, method=method,
                                 data=None if body is None else
                                 (body if isinstance(body, bytes) else json.dumps(body).encode()))
    if token is not False:
        req.add_header("Authorization", "Bearer " + (token or get_token(emu)))
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    ctx = ssl.create_default_context(cafile=emu.ca)
    try:
        with urllib.request.urlopen(req, context=ctx) as r:
            status, hdrs, text = r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        status, hdrs, text = e.code, dict(e.headers), e.read().decode()
    try:
        return status, {k.lower(): v for k, v in hdrs.items()}, json.loads(text) if text else None
    except json.JSONDecodeError:
        return status, {k.lower(): v for k, v in hdrs.items()}, text


class AzCli:
    """az 2.45 logged in (service principal, /adfs authority) to the emulator's custom cloud."""

    def __init__(self, emu, work):
        self.emu = emu
        self.env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
        (work / "home").mkdir(parents=True, exist_ok=True)
        self.env.update({"AZURE_CONFIG_DIR": str(work / "azure"), "HOME": str(work / "home"),
                         "REQUESTS_CA_BUNDLE": emu.ca, "AZURE_CORE_COLLECT_TELEMETRY": "false",
                         "AZURE_CORE_SURVEY_MESSAGE": "false", "AZURE_CORE_NO_COLOR": "true",
                         "AZURE_CORE_ONLY_SHOW_ERRORS": "true"})

    def setup(self):
        base = self.emu.url
        cloud = {"endpoints": {"resourceManager": base + "/",
                               "activeDirectory": base + "/adfs",
                               "activeDirectoryResourceId": ARM_AUDIENCE,
                               "activeDirectoryGraphResourceId": base + "/",
                               "microsoftGraphResourceId": base + "/"},
                 "suffixes": {"keyvaultDns": ".vault.azure.net"}}
        self.ok("cloud", "register", "-n", "Kmslab", "--cloud-config", json.dumps(cloud))
        self.ok("cloud", "set", "-n", "Kmslab")
        self.ok("login", "--service-principal", "-u", CLIENT_ID, "-p", "s3cret",
                "--tenant", TENANT)
        return self

    def run(self, *args):
        return subprocess.run(["/usr/bin/az", *args], env=self.env, capture_output=True,
                              text=True, timeout=120)

    def ok(self, *args):
        out = self.run(*args)
        assert out.returncode == 0, f"az {' '.join(args)} failed:\n{out.stderr}"
        return out.stdout

    def json(self, *args):
        return json.loads(self.ok(*args, "-o", "json"))

    def tsv(self, *args):
        return self.ok(*args, "-o", "tsv").strip()

    def fails(self, *args):
        out = self.run(*args)
        assert out.returncode != 0, f"az {' '.join(args)} unexpectedly succeeded:\n{out.stdout}"
        return out.stderr
