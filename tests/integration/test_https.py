"""HTTPS core: certificate, health, admin clock, common headers, metrics (foundation issue)."""
import json
import socket
import ssl
import subprocess


def test_health_over_tls_verified_against_generated_ca(emulator):
    status, headers, body = emulator.curl("/_kmslab/health", "-H", "x-ms-client-request-id: abc-123")
    assert status == 200, body
    assert json.loads(body)["status"] == "ready"
    assert headers["x-ms-client-request-id"] == "abc-123"
    assert len(headers["x-ms-request-id"]) == 36
    assert headers["date"] == "Thu, 01 Jan 2026 00:00:00 GMT"  # the virtual clock


def test_certificate_names_verify_with_python_ssl(emulator):
    ctx = ssl.create_default_context(cafile=emulator.ca)
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    for name in ["localhost", "myvault.vault.localhost", "myvault.vault.azure.net"]:
        with socket.create_connection(("127.0.0.1", emulator.port())) as raw:
            with ctx.wrap_socket(raw, server_hostname=name) as tls:
                assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_clock_advance_and_set(emulator):
    status, _, body = emulator.curl("/_kmslab/clock")
    assert status == 200
    assert json.loads(body)["now"] == "2026-01-01T00:00:00Z"
    status, _, body = emulator.curl("/_kmslab/clock", "-d", '{"advance":"400d"}')
    assert status == 200, body
    assert json.loads(body)["now"] == "2027-02-05T00:00:00Z"
    status, _, body = emulator.curl("/_kmslab/clock", "-d", '{"set":"2030-06-01T12:00:00Z"}')
    assert json.loads(body)["now"] == "2030-06-01T12:00:00Z"
    _, headers, _ = emulator.curl("/_kmslab/health")
    assert headers["date"] == "Sat, 01 Jun 2030 12:00:00 GMT"


def test_clock_rejects_bad_bodies_and_changes_nothing(emulator):
    for body in ['{"advance":"soon"}', '{"set":"tomorrow"}', "{not json", "[]",
                 '{"advance":"1d","set":"2027-01-01T00:00:00Z"}', '{}', '{"advance":5}']:
        status, _, text = emulator.curl("/_kmslab/clock", "-d", body)
        assert status == 400, (body, text)
        err = json.loads(text)["error"]
        assert err["code"] == "BadParameter" and err["message"]
    _, _, body = emulator.curl("/_kmslab/clock")
    assert json.loads(body)["now"] == "2026-01-01T00:00:00Z"


def test_unknown_route_and_method_use_the_azure_envelope(emulator):
    status, headers, body = emulator.curl("/no/such/thing")
    assert status == 404
    assert json.loads(body)["error"]["code"] == "NotFound"
    assert headers["content-type"] == "application/json; charset=utf-8"
    status, _, body = emulator.curl("/_kmslab/health", "-X", "DELETE")
    assert status == 405
    assert json.loads(body)["error"]["code"] == "MethodNotAllowed"


def test_metrics_count_requests_by_route_and_status(emulator):
    for _ in range(3):
        emulator.curl("/_kmslab/health")
    emulator.curl("/missing")
    status, headers, body = emulator.curl("/metrics")
    assert status == 200
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'kmslab_http_requests_total{route="admin.health",method="GET",code="200"} 3' in body
    assert 'kmslab_http_requests_total{route="unmatched",method="GET",code="404"} 1' in body
    assert 'kmslab_http_request_duration_seconds_bucket{route="admin.health",le="+Inf"} 3' in body


def test_access_log_has_one_json_line_per_request_without_queries(emulator):
    emulator.curl("/_kmslab/health?secret=hunter2", "-H", "x-ms-client-request-id: log-1")
    log = (emulator.data_dir / "emulator.log").read_text().splitlines()
    lines = [json.loads(l) for l in log]
    requests = [l for l in lines if l.get("msg") == "request" and l.get("client_request_id") == "log-1"]
    assert len(requests) == 1
    line = requests[0]
    assert line["method"] == "GET" and line["path"] == "/_kmslab/health" and line["status"] == 200
    assert line["host"].startswith("127.0.0.1:") and len(line["request_id"]) == 36
    assert "latency_s" in line
    assert "hunter2" not in "\n".join(log)


def test_keep_alive_serves_many_requests_on_one_connection(emulator):
    ctx = ssl.create_default_context(cafile=emulator.ca)
    with socket.create_connection(("127.0.0.1", emulator.port())) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            f = tls.makefile("rb")
            for i in range(5):
                tls.sendall(b"GET /_kmslab/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                status = f.readline()
                assert status.startswith(b"HTTP/1.1 200"), status
                length = 0
                while True:
                    line = f.readline()
                    if line in (b"\r\n", b""):
                        break
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                f.read(length)


def test_expect_100_continue_is_answered(emulator):
    status, _, body = emulator.curl("/_kmslab/clock", "-H", "Expect: 100-continue",
                                    "-d", '{"advance":"1d"}')
    assert status == 200, body


def test_plain_http_flag_serves_without_tls(emulator_binary, tmp_path):
    from kmslab_harness import Emulator
    emu = Emulator(emulator_binary, tmp_path / "plain", ["--plain-http", "--store", "memory"]).start()
    try:
        assert emu.url.startswith("http://")
        out = subprocess.run(["curl", "-sS", emu.url + "/_kmslab/health"], capture_output=True, text=True)
        assert json.loads(out.stdout)["status"] == "ready"
    finally:
        assert emu.stop() == 0
