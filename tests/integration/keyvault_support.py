"""Shared set-up for the Key Vault conformance tests: an emulator with vaults, and the two ways a
client reaches a vault (a *.vault.localhost name resolved by the test, and the real
*.vault.azure.net name through the CONNECT proxy)."""
import json
import socket

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
