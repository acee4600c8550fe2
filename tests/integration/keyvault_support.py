"""Shared set-up for the Key Vault conformance tests: an emulator with vaults, and the two ways a
client reaches a vault (a *.vault.localhost name resolved by the test, and the real
*.vault.azure.net name through the CONNECT proxy)."""
import json
import socket
import ssl
import urllib.parse
import urllib.request

import pytest

from kmslab_harness import Emulator

VAULT = "myvault"
PREMIUM_VAULT = "premvault"
START = "2026-01-01T00:00:00Z"

_real_getaddrinfo = socket.getaddrinfo


def _localhost_getaddrinfo(host, *args, **kwargs):
    # glibc does not resolve *.localhost; a test-local resolver does (RFC 6761 says it is loopback).
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture
def kv_emulator(emulator_binary, tmp_path):
    emu = Emulator(emulator_binary, tmp_path / "data",
                   ["--clock", "manual", "--clock-start", START,
                    "--vault", f"{VAULT},{PREMIUM_VAULT}:premium"])
    emu.start()
    yield emu
    assert emu.stop() == 0


@pytest.fixture(params=["localhost-name", "proxy"])
def vault_url(request, kv_emulator, monkeypatch):
    """The vault URL a client uses, in each of the two forms; TLS trusts the emulator's CA."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", kv_emulator.ca)
    monkeypatch.setenv("SSL_CERT_FILE", kv_emulator.ca)
    # Sign-in always goes to login.microsoftonline.com through the proxy, as offline as the rest.
    monkeypatch.setenv("HTTPS_PROXY", kv_emulator.proxy)
    if request.param == "proxy":
        monkeypatch.setenv("NO_PROXY", "")
        return f"https://{VAULT}.vault.azure.net"
    monkeypatch.setenv("NO_PROXY", ".localhost")
    monkeypatch.setattr(socket, "getaddrinfo", _localhost_getaddrinfo)
    return f"https://{VAULT}.vault.localhost:{kv_emulator.port()}"


def advance_clock(emu, duration):
    status, _, body = emu.curl("/_kmslab/clock", "-d", json.dumps({"advance": duration}))
    assert status == 200, body
    return json.loads(body)["unix"]


def clock_now(emu):
    _, _, body = emu.curl("/_kmslab/clock")
    return json.loads(body)["unix"]


TENANT = "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8"


def get_token(emu, scope="https://vault.azure.net/.default", tenant=TENANT, client_id="wire-tests"):
    """A client-credentials token from the emulator's own token endpoint."""
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                   "client_secret": "s", "scope": scope})
    req = urllib.request.Request(f"https://127.0.0.1:{emu.port()}/{tenant}/oauth2/v2.0/token",
                                 data=body.encode())
    ctx = ssl.create_default_context(cafile=emu.ca)
    with urllib.request.urlopen(req, context=ctx) as resp:
        return "Bearer " + json.loads(resp.read())["access_token"]


class Vault:
    """Raw HTTPS requests to https://{vault}.vault.localhost:PORT (or another suffix: a Managed
    HSM's managedhsm.localhost with its token scope), over loopback."""

    def __init__(self, emu, vault=VAULT, suffix="vault.localhost",
                 scope="https://vault.azure.net/.default"):
        self.emu, self.host = emu, f"{vault}.{suffix}:{emu.port()}"
        self.ctx = ssl.create_default_context(cafile=emu.ca)
        self.token = get_token(emu, scope=scope)

    def request(self, method, path, body=None, headers=None, token=""):
        token = self.token if token == "" else token
        raw = json.dumps(body).encode() if isinstance(body, (dict, list)) else (body or b"")
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", "Connection: close",
                 f"Content-Length: {len(raw)}", "Content-Type: application/json"]
        if token:
            lines.append(f"Authorization: {token}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        with socket.create_connection(("127.0.0.1", self.emu.port())) as s:
            with self.ctx.wrap_socket(s, server_hostname=self.host.split(":")[0]) as t:
                t.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + raw)
                data = b""
                while chunk := t.recv(65536):
                    data += chunk
        head, _, payload = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode().split("\r\n")
        hdrs = {}
        for line in header_lines:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        return int(status_line.split()[1]), hdrs, (json.loads(payload) if payload else None)
