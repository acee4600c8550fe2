"""Each listener serves exactly its surface (issue 9 defect 2). The managed identity listener
serves the managed identity endpoints and answers anything else as IMDS does; a TLS connection
(direct or through a proxy tunnel) serves the one host it was opened for."""
import json
import socket
import ssl
import urllib.error
import urllib.request

IMDS_TOKEN = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net"


def imds(emulator, path, method="GET", headers=None, body=None):
    req = urllib.request.Request(emulator.endpoints["imds"] + path, data=body, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def raw_request(tls, host, path):
    tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while chunk := tls.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body) if body else None


def clock(emulator):
    _, _, body = emulator.curl("/_kmslab/clock")
    return json.loads(body)["unix"]


def test_imds_listener_refuses_admin_routes(emulator):
    before = clock(emulator)
    status, body = imds(emulator, "/_kmslab/clock", headers={"Metadata": "true"})
    assert status == 404
    assert body == {"error": 'API not found: Path = "/_kmslab/clock", Method = "GET"'}
    status, body = imds(emulator, "/_kmslab/clock", "POST", {"Content-Type": "application/json"},
                        json.dumps({"advance": "400d"}).encode())
    assert status == 400
    assert body == {"error": "invalid_request",
                    "error_description": "Required metadata header not specified"}
    assert clock(emulator) == before, "the IMDS port moved the clock"
    for path in ["/_kmslab/health", "/_kmslab/state", "/metrics"]:
        status, _ = imds(emulator, path, headers={"Metadata": "true"})
        assert status == 404, path


def test_imds_listener_refuses_arm_and_key_vault_by_host(emulator):
    for host, path in [("management.azure.com", "/subscriptions?api-version=2022-12-01"),
                       ("myvault.vault.azure.net", "/keys?api-version=7.5"),
                       ("login.microsoftonline.com", "/common/discovery/instance")]:
        status, body = imds(emulator, path, headers={"Metadata": "true", "Host": host})
        assert status == 404, (host, body)
        assert body["error"].startswith("API not found: Path = "), (host, body)


def test_imds_listener_still_serves_tokens(emulator):
    status, body = imds(emulator, IMDS_TOKEN, headers={"Metadata": "true"})
    assert status == 400  # no identity assigned: the endpoint answered, as IMDS does
    assert body == {"error": "invalid_request", "error_description": "Identity not found"}
    status, body = imds(emulator, IMDS_TOKEN, "POST", {"Metadata": "true"}, b"")
    assert status == 405
    assert body["error"].startswith("Http method isn't allowed")


def test_https_listener_serves_only_the_host_the_connection_was_opened_for(emulator):
    ctx = ssl.create_default_context(cafile=emulator.ca)
    with socket.create_connection(("127.0.0.1", emulator.port())) as raw:
        with ctx.wrap_socket(raw, server_hostname="myvault.vault.localhost") as tls:
            status, body = raw_request(tls, "management.azure.com",
                                       "/subscriptions?api-version=2022-12-01")
    assert status == 421
    assert body["error"]["code"] == "MisdirectedRequest"
    with socket.create_connection(("127.0.0.1", emulator.port())) as raw:
        with ctx.wrap_socket(raw, server_hostname="myvault.vault.localhost") as tls:
            status, _ = raw_request(tls, f"myvault.vault.localhost:{emulator.port()}",
                                    "/_kmslab/health")
    assert status == 200


def test_https_listener_does_not_serve_managed_identity(emulator):
    status, _, body = emulator.curl(IMDS_TOKEN, "-H", "Metadata: true")
    assert status == 404
    assert json.loads(body)["error"]["code"] != "invalid_request"


def test_proxy_tunnel_serves_only_its_target_host(emulator):
    ctx = ssl.create_default_context(cafile=emulator.ca)
    with socket.create_connection(("127.0.0.1", emulator.port("proxy"))) as raw:
        raw.sendall(b"CONNECT myvault.vault.azure.net:443 HTTP/1.1\r\n"
                    b"Host: myvault.vault.azure.net:443\r\n\r\n")
        assert raw.recv(4096).startswith(b"HTTP/1.1 200")
        with ctx.wrap_socket(raw, server_hostname="myvault.vault.azure.net") as tls:
            status, body = raw_request(tls, "management.azure.com",
                                       "/subscriptions?api-version=2022-12-01")
    assert status == 421, body
    assert body["error"]["code"] == "MisdirectedRequest"
    # The managed identity endpoints are not reachable through a tunnel either.
    imds_port = emulator.endpoints["imds"].rsplit(":", 1)[1]
    with socket.create_connection(("127.0.0.1", emulator.port("proxy"))) as raw:
        raw.sendall(f"CONNECT 127.0.0.1:{imds_port} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        reply = raw.recv(4096)
        if reply.startswith(b"HTTP/1.1 200"):
            raw.sendall(f"GET {IMDS_TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nMetadata: true\r\n"
                        "Connection: close\r\n\r\n".encode())
            data = b""
            while chunk := raw.recv(65536):
                data += chunk
            reply = data
    assert not reply.startswith(b"HTTP/1.1 200"), reply
    assert b"Identity not found" not in reply
