"""The CONNECT proxy: real Azure host names reach the emulator; nothing is forwarded elsewhere."""
import json
import socket
import ssl
import subprocess


def test_vault_name_through_proxy_reaches_emulator(emulator):
    status, _, body = emulator.curl("/_kmslab/health", "--proxy", emulator.proxy,
                                    url="https://myvault.vault.azure.net")
    assert status == 200, body
    assert json.loads(body)["status"] == "ready"


def test_arm_and_login_names_through_proxy(emulator):
    for host in ["management.azure.com", "login.microsoftonline.com", "other.vault.localhost"]:
        status, _, body = emulator.curl("/_kmslab/health", "--proxy", emulator.proxy,
                                        url=f"https://{host}")
        assert status == 200, (host, body)


def test_other_destinations_are_refused_with_403(emulator):
    out = subprocess.run(["curl", "-sS", "-v", "--max-time", "10", "--proxy", emulator.proxy,
                          "https://example.com/"], capture_output=True, text=True)
    assert out.returncode != 0
    assert "403" in out.stderr
    with socket.create_connection(("127.0.0.1", emulator.port("proxy"))) as s:
        s.sendall(b"CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n")
        reply = s.recv(4096).decode()
    assert reply.startswith("HTTP/1.1 403")
    assert "never forwards" in reply


def test_non_connect_requests_are_refused(emulator):
    with socket.create_connection(("127.0.0.1", emulator.port("proxy"))) as s:
        s.sendall(b"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n")
        reply = s.recv(4096).decode()
    assert reply.startswith("HTTP/1.1 405")


def test_malformed_connect_targets_are_refused_with_400(emulator):
    # The target must be host:port (ProxyPolicy; tests/unit/core/proxy_policy_test.cpp has the
    # full table): no guessing a port, and a malformed target is not "some other host" (403).
    for target in [b"kv1.vault.azure.net", b"kv1.vault.azure.net:0", b"[::1:443", b"::1:443"]:
        with socket.create_connection(("127.0.0.1", emulator.port("proxy"))) as s:
            s.sendall(b"CONNECT " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = s.recv(4096).decode()
        assert reply.startswith("HTTP/1.1 400"), (target, reply)
        assert "expected host:port" in reply


def test_tunnel_presents_certificate_for_requested_name(emulator):
    ctx = ssl.create_default_context(cafile=emulator.ca)
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    with socket.create_connection(("127.0.0.1", emulator.port("proxy"))) as raw:
        raw.sendall(b"CONNECT kv1.vault.azure.net:443 HTTP/1.1\r\nHost: kv1.vault.azure.net:443\r\n\r\n")
        assert raw.recv(4096).startswith(b"HTTP/1.1 200")
        with ctx.wrap_socket(raw, server_hostname="kv1.vault.azure.net") as tls:
            sans = [v for k, v in tls.getpeercert()["subjectAltName"] if k == "DNS"]
            assert "*.vault.azure.net" in sans
            tls.sendall(b"GET /_kmslab/health HTTP/1.1\r\nHost: kv1.vault.azure.net\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := tls.recv(4096):
                data += chunk
    assert data.startswith(b"HTTP/1.1 200")


def test_proxy_counts_tunnels(emulator):
    emulator.curl("/_kmslab/health", "--proxy", emulator.proxy, url="https://a.vault.azure.net")
    subprocess.run(["curl", "-sS", "--max-time", "10", "--proxy", emulator.proxy, "https://example.com/"],
                   capture_output=True)
    _, _, body = emulator.curl("/metrics")
    assert 'kmslab_proxy_tunnels_total{result="accepted"} 1' in body
    assert 'kmslab_proxy_tunnels_total{result="refused"} 1' in body
