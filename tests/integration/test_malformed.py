"""Bad input: each gets a clean error or a closed connection, and the server keeps serving."""
import json
import socket
import ssl


def tls_exchange(emulator, payload, read=True):
    ctx = ssl.create_default_context(cafile=emulator.ca)
    with socket.create_connection(("127.0.0.1", emulator.port()), timeout=20) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(payload)
            data = b""
            if read:
                try:
                    while chunk := tls.recv(65536):
                        data += chunk
                except (ConnectionResetError, ssl.SSLError):
                    pass
            return data


def read_until_closed(sock, limit=1 << 20):
    """Everything the server sends until it closes the connection (a reset counts as closed).
    A server that keeps the connection open fails the test through the socket's timeout."""
    data = b""
    try:
        while len(data) < limit and (chunk := sock.recv(4096)):
            data += chunk
    except ConnectionResetError:
        pass
    assert len(data) < limit, "the server kept sending"
    return data


def assert_closed_with_nothing_or_an_alert(data):
    # TLS content type 21 is an alert record (RFC 8446 5.1): what a TLS server may answer to a
    # broken handshake, before it closes.
    assert data == b"" or data[0] == 21, data[:16]


def assert_refused(data):
    """Bytes that are not a ClientHello (beast's detect_ssl needs handshake type 1 after the record
    header) get nothing, an alert, or the HTTPS port's plain-HTTP refusal; then the close."""
    if data.startswith(b"HTTP/1.1 "):
        status, err = envelope(data)
        assert status.startswith("HTTP/1.1 400") and err["code"] == "BadParameter", data
    else:
        assert_closed_with_nothing_or_an_alert(data)


def assert_still_serving(emulator):
    status, _, body = emulator.curl("/_kmslab/health")
    assert status == 200, body


def envelope(data):
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), json.loads(body)["error"]


def test_garbage_bytes_over_tls_get_400(emulator):
    status, err = envelope(tls_exchange(emulator, b"\x00\x01garbage\xff\r\n\r\n"))
    assert status.startswith("HTTP/1.1 400")
    assert err["code"] == "BadRequest"
    assert_still_serving(emulator)


def test_oversized_header_gets_431(emulator):
    big = b"x" * (20 * 1024)
    status, err = envelope(tls_exchange(emulator, b"GET /_kmslab/health HTTP/1.1\r\nHost: a\r\nX-Big: " + big + b"\r\n\r\n"))
    assert status.startswith("HTTP/1.1 431")
    assert err["code"] == "RequestHeaderFieldsTooLarge"
    assert_still_serving(emulator)


def test_oversized_body_gets_413_before_it_is_sent(emulator):
    req = b"POST /_kmslab/clock HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999\r\n\r\n{"
    status, err = envelope(tls_exchange(emulator, req))
    assert status.startswith("HTTP/1.1 413")
    assert err["code"] == "RequestEntityTooLarge"
    assert_still_serving(emulator)


def test_truncated_tls_handshake_is_dropped(emulator):
    # The first bytes of a ClientHello, then the client vanishes.
    with socket.create_connection(("127.0.0.1", emulator.port())) as s:
        s.sendall(bytes.fromhex("16030100f4010000f00303") + b"\x00" * 20)
    with socket.create_connection(("127.0.0.1", emulator.port())) as s:
        s.sendall(bytes.fromhex("1603010200"))  # record header only
        s.shutdown(socket.SHUT_WR)
        s.settimeout(20)
        assert_closed_with_nothing_or_an_alert(read_until_closed(s))
    assert_still_serving(emulator)


def test_tls_garbage_after_handshake_record_header(emulator):
    with socket.create_connection(("127.0.0.1", emulator.port())) as s:
        s.sendall(bytes.fromhex("160301") + b"\xff" * 300)
        s.settimeout(20)
        assert_refused(read_until_closed(s))
    assert_still_serving(emulator)


def test_plain_http_on_https_port_gets_clear_400(emulator):
    with socket.create_connection(("127.0.0.1", emulator.port()), timeout=20) as s:
        s.sendall(b"GET /_kmslab/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    status, err = envelope(data)
    assert status.startswith("HTTP/1.1 400")
    assert "https://" in err["message"] and "--plain-http" in err["message"]


def test_invalid_json_body_gets_400_envelope(emulator):
    status, _, body = emulator.curl("/_kmslab/clock", "-d", '{"advance": "1d"')
    assert status == 400
    assert json.loads(body)["error"]["code"] == "BadParameter"
    assert_still_serving(emulator)


def test_bad_percent_encoding_in_path_gets_400(emulator):
    status, _, body = emulator.curl("/_kmslab/%zzhealth")
    assert status == 400
    assert json.loads(body)["error"]["code"] == "BadParameter"


def test_bytes_that_are_not_utf8_are_echoed_safely(emulator):
    # A well-formed escape of a byte that is not UTF-8: the 404 that names the path must still be
    # JSON, not a 500 from the JSON writer.
    status, _, body = emulator.curl("/no/such/%FF%FEpath")
    assert status == 404, body
    assert "\ufffd" in json.loads(body)["error"]["message"]
    assert_still_serving(emulator)


def test_many_half_open_connections_do_not_block_others(emulator):
    held = [socket.create_connection(("127.0.0.1", emulator.port())) for _ in range(50)]
    try:
        assert_still_serving(emulator)
    finally:
        for s in held:
            s.close()
