"""Fault injection on the Key Vault data plane (issue 10 item 8), through real HTTPS clients:
every action (error, latency, reset, slow body, reply), matching by operation and caller, counts, the
admin API's validation and token, and persistence across a restart."""
import base64
import json
import signal
import socket
import ssl

import pytest

from kmslab_harness import Emulator
from keyvault_support import START, VAULT, Vault

TOKEN = "fault-admin-token"
ENCRYPT = "/keys/k1/encrypt?api-version=7.5"
PLAIN = {"alg": "RSA-OAEP", "value": "aGk"}
THROTTLED = ("Request was not processed because too many requests were received. "
             "Reason: VaultRequestTypeLimitReached")


def start(binary, data_dir, *extra):
    return Emulator(binary, data_dir, ["--clock", "manual", "--clock-start", START, "--vault", VAULT,
                                       "--seed", "5", "--admin-token", TOKEN, *extra]).start()


@pytest.fixture
def emu(emulator_binary, tmp_path):
    emu = start(emulator_binary, tmp_path / "d")
    yield emu
    assert emu.stop() == 0


@pytest.fixture
def vault(emu):
    v = Vault(emu)
    assert v.request("POST", "/keys/k1/create?api-version=7.5", body={"kty": "RSA"})[0] == 200
    return v


def admin(emu, method, path="/_kmslab/faults", body=None, token=TOKEN):
    args = ["-X", method]
    if token:
        args += ["-H", f"Authorization: Bearer {token}"]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "-d", body if isinstance(body, str) else json.dumps(body)]
    status, _, text = emu.curl(path, *args)
    return status, (json.loads(text) if text.strip() else None)


def add_rule(emu, rule):
    status, body = admin(emu, "POST", body=rule)
    assert status == 201, body
    return body


def raw_exchange(emu, vault, method, path, body, source="127.0.0.1", timeout=20.0):
    """Sends one request over TLS; returns the connected TLS socket for the caller to read."""
    raw = json.dumps(body).encode()
    head = (f"{method} {path} HTTP/1.1\r\nHost: {vault.host}\r\nConnection: close\r\n"
            f"Content-Length: {len(raw)}\r\nContent-Type: application/json\r\n"
            f"Authorization: {vault.token}\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", emu.port()), timeout=timeout,
                                    source_address=(source, 0))
    tls = vault.ctx.wrap_socket(sock, server_hostname=vault.host.split(":")[0])
    tls.sendall(head + raw)
    return tls


def read_all(tls):
    chunks = []
    while chunk := tls.recv(65536):
        chunks.append(chunk)
    return chunks


def test_admin_api_needs_the_token_and_lists_adds_removes(emu):
    rule = {"match": {"operation": "encrypt"}, "action": {"type": "error", "status": 429}}
    assert admin(emu, "POST", body=rule, token=None)[0] == 401
    assert admin(emu, "POST", body=rule, token="wrong")[0] == 401
    first = add_rule(emu, rule)
    assert first["action"] == {"type": "error", "status": 429, "code": "Throttled", "message": THROTTLED}
    assert first["match"] == {"operation": "encrypt"} and first["fired"] == 0 and first["id"]
    second = add_rule(emu, {"action": {"type": "reset"}, "count": 2, "ttl": "10m"})
    assert second["expires"] == "2026-01-01T00:10:00Z"
    status, listed = admin(emu, "GET", token=None)  # reading needs no token
    assert status == 200 and [r["id"] for r in listed["value"]] == [first["id"], second["id"]]
    assert admin(emu, "DELETE", f"/_kmslab/faults/{first['id']}", token=None)[0] == 401
    assert admin(emu, "DELETE", f"/_kmslab/faults/{first['id']}")[0] == 204
    status, body = admin(emu, "DELETE", f"/_kmslab/faults/{first['id']}")
    assert status == 404 and body["error"]["code"] == "NotFound"
    assert admin(emu, "DELETE") == (200, {"removed": 1})
    assert admin(emu, "GET")[1] == {"value": []}


@pytest.mark.parametrize("rule, says", [
    ("{not json", "not JSON"),
    ({"action": {"type": "explode"}}, "Unknown action type"),
    ({"action": {"type": "error", "status": 200}}, "'status'"),
    ({"action": {"type": "error", "status": 429}, "probability": 2}, "'probability'"),
    ({"action": {"type": "error", "status": 429}, "ttl": "forever"}, "'ttl'"),
    ({"action": {"type": "error", "status": 429}, "colour": "red"}, "Unknown field 'colour'"),
    ({"match": {"operation": "explode"}, "action": {"type": "reset"}}, "Unknown operation"),
])
def test_bad_rules_are_refused_and_change_nothing(emu, rule, says):
    status, body = admin(emu, "POST", body=rule)
    assert status == 400 and body["error"]["code"] == "BadParameter"
    assert says in body["error"]["message"], body
    assert admin(emu, "GET")[1] == {"value": []}


def test_error_rule_answers_key_vaults_429_then_retires(emu, vault):
    add_rule(emu, {"match": {"vault": VAULT, "key": "k1", "operation": "encrypt"},
                   "action": {"type": "error", "status": 429, "retryAfter": 2}, "count": 2})
    assert vault.request("GET", "/keys/k1?api-version=7.5")[0] == 200  # another operation
    for _ in range(2):
        status, headers, body = vault.request("POST", ENCRYPT, body=PLAIN)
        assert status == 429 and body == {"error": {"code": "Throttled", "message": THROTTLED}}
        assert headers["retry-after"] == "2"
        assert headers["x-ms-keyvault-service-version"] and len(headers["x-ms-request-id"]) == 36
    assert vault.request("POST", ENCRYPT, body=PLAIN)[0] == 200
    assert admin(emu, "GET")[1] == {"value": []}


@pytest.mark.parametrize("status, code", [(503, "ServiceUnavailable"), (500, "InternalServerError")])
def test_server_errors_use_azure_codes(emu, vault, status, code):
    add_rule(emu, {"action": {"type": "error", "status": status}, "count": 1})
    got, headers, body = vault.request("POST", ENCRYPT, body=PLAIN)
    assert got == status and body["error"]["code"] == code and body["error"]["message"]
    assert "retry-after" not in headers


def test_custom_code_and_message(emu, vault):
    add_rule(emu, {"action": {"type": "error", "status": 503, "code": "ServiceUnavailable",
                              "message": "Operation \"KeyEncrypt\" is unavailable."}, "count": 1})
    assert vault.request("POST", ENCRYPT, body=PLAIN)[2] == {
        "error": {"code": "ServiceUnavailable", "message": "Operation \"KeyEncrypt\" is unavailable."}}


def test_injected_429s_do_not_spend_the_vaults_quota(emulator_binary, tmp_path):
    emu = start(emulator_binary, tmp_path / "q", "--throttle-other", "3")
    try:
        vault = Vault(emu)
        assert vault.request("POST", "/keys/k1/create?api-version=7.5", body={"kty": "RSA"})[0] == 200
        add_rule(emu, {"action": {"type": "error", "status": 429}, "count": 6})
        assert [vault.request("POST", ENCRYPT, body=PLAIN)[0] for _ in range(6)] == [429] * 6
        # The window's 3 requests are all still there for real work.
        assert [vault.request("POST", ENCRYPT, body=PLAIN)[0] for _ in range(3)] == [200] * 3
        assert vault.request("POST", ENCRYPT, body=PLAIN)[0] == 429  # the real limit, reached
    finally:
        assert emu.stop() == 0


def test_latency_holds_the_reply_past_the_clients_deadline(emu, vault):
    add_rule(emu, {"match": {"operation": "encrypt"}, "action": {"type": "latency", "ms": 4000},
                   "count": 1})
    tls = raw_exchange(emu, vault, "POST", ENCRYPT, PLAIN, timeout=0.5)
    with pytest.raises(socket.timeout):
        tls.recv(65536)
    tls.close()
    assert vault.request("POST", ENCRYPT, body=PLAIN)[0] == 200  # spent: the next one is prompt


def test_reset_closes_the_connection_without_an_answer(emu, vault):
    add_rule(emu, {"match": {"operation": "encrypt"}, "action": {"type": "reset"}, "count": 1})
    tls = raw_exchange(emu, vault, "POST", ENCRYPT, PLAIN)
    try:
        received = b"".join(read_all(tls))
    except (ConnectionResetError, ssl.SSLError):
        received = b""
    finally:
        tls.close()
    assert received == b""
    assert vault.request("POST", ENCRYPT, body=PLAIN)[0] == 200


def test_slow_body_trickles_a_complete_reply(emu, vault):
    add_rule(emu, {"action": {"type": "slowBody", "bytesPerSecond": 400}, "count": 1})
    tls = raw_exchange(emu, vault, "POST", ENCRYPT, PLAIN)
    chunks = read_all(tls)
    tls.close()
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    length = int([l for l in head.decode().split("\r\n") if l.lower().startswith("content-length")][0]
                 .split(":")[1])
    assert len(body) == length and "/keys/k1/" in json.loads(body)["kid"]
    # The header came first, then the body in 40-byte slices: one TLS record each.
    assert len(chunks) >= length // 40


def test_caller_matches_source_address_and_object_id(emu, vault):
    add_rule(emu, {"match": {"caller": "127.0.0.2"}, "action": {"type": "error", "status": 503}})
    assert vault.request("POST", ENCRYPT, body=PLAIN)[0] == 200  # from 127.0.0.1
    tls = raw_exchange(emu, vault, "POST", ENCRYPT, PLAIN, source="127.0.0.2")
    assert b"".join(read_all(tls)).startswith(b"HTTP/1.1 503")
    tls.close()
    admin(emu, "DELETE")
    claims = vault.token.split()[1].split(".")[1]
    oid = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["oid"]
    add_rule(emu, {"match": {"caller": "00000000-0000-4000-8000-0000000000ff"},
                   "action": {"type": "error", "status": 503}})
    assert vault.request("POST", ENCRYPT, body=PLAIN)[0] == 200
    add_rule(emu, {"match": {"caller": oid}, "action": {"type": "error", "status": 500}})
    assert vault.request("POST", ENCRYPT, body=PLAIN)[0] == 500


def test_faults_follow_authentication(emu, vault):
    """A request that fails authentication gets its 401, not the fault."""
    add_rule(emu, {"action": {"type": "error", "status": 503}})
    assert vault.request("POST", ENCRYPT, body=PLAIN, token=None)[0] == 401


def test_rules_survive_a_restart(emulator_binary, tmp_path):
    emu = start(emulator_binary, tmp_path / "r")
    vault = Vault(emu)
    vault.request("POST", "/keys/k1/create?api-version=7.5", body={"kty": "RSA"})
    rule = add_rule(emu, {"action": {"type": "error", "status": 503}, "count": 3})
    assert vault.request("POST", ENCRYPT, body=PLAIN)[0] == 503
    assert emu.stop(signal.SIGKILL) != 0  # kill -9: the store has the rule and its count
    emu = start(emulator_binary, tmp_path / "r")
    try:
        listed = admin(emu, "GET")[1]["value"]
        assert [(r["id"], r["count"], r["fired"]) for r in listed] == [(rule["id"], 2, 1)]
        vault = Vault(emu)
        assert [vault.request("POST", ENCRYPT, body=PLAIN)[0] for _ in range(3)] == [503, 503, 200]
    finally:
        assert emu.stop() == 0


def test_faults_apply_through_the_proxy_under_the_real_vault_name(emu, vault):
    """curl through the CONNECT proxy to https://{vault}.vault.azure.net: a reset is an empty
    reply to it, a slow body still arrives whole."""
    url = f"https://{VAULT}.vault.azure.net"
    args = ["--proxy", emu.proxy, "-H", f"Authorization: {vault.token}",
            "-H", "Content-Type: application/json", "-d", json.dumps(PLAIN)]
    add_rule(emu, {"match": {"operation": "encrypt"}, "action": {"type": "reset"}, "count": 1})
    status, _, err = emu.curl(ENCRYPT, *args, url=url)
    assert status is None and ("reset" in err.lower() or "empty reply" in err.lower()), err
    add_rule(emu, {"match": {"operation": "encrypt"},
                   "action": {"type": "slowBody", "bytesPerSecond": 2000}, "count": 1})
    status, _, body = emu.curl(ENCRYPT, *args, url=url)
    assert status == 200 and "/keys/k1/" in json.loads(body)["kid"]
    assert admin(emu, "GET")[1] == {"value": []}


def probability_pattern(binary, data_dir):
    emu = start(binary, data_dir)
    try:
        vault = Vault(emu)
        vault.request("POST", "/keys/k1/create?api-version=7.5", body={"kty": "RSA"})
        add_rule(emu, {"match": {"operation": "get"}, "action": {"type": "error", "status": 503},
                       "probability": 0.5})
        return "".join("x" if vault.request("GET", "/keys/k1?api-version=7.5")[0] == 503 else "."
                       for _ in range(24))
    finally:
        assert emu.stop() == 0


def test_probability_follows_the_seed(emulator_binary, tmp_path):
    first = probability_pattern(emulator_binary, tmp_path / "a")
    assert first == probability_pattern(emulator_binary, tmp_path / "b")
    assert 0 < first.count("x") < 24, first


def test_reply_answers_in_place_of_the_operation(emu, vault):
    """A canned answer (a 200 that lacks fields, a proxy's HTML page); the operation does not run."""
    add_rule(emu, {"match": {"operation": "create"}, "action": {"type": "reply", "body": '{"kid":"x"}'},
                   "count": 1})
    add_rule(emu, {"match": {"operation": "get"},
                   "action": {"type": "reply", "status": 502, "body": "<html>Bad Gateway</html>",
                              "contentType": "text/html"}, "count": 1})
    status, headers, body = vault.request("POST", "/keys/k2/create?api-version=7.5", body={"kty": "RSA"})
    assert (status, body) == (200, {"kid": "x"})
    assert headers["content-type"] == "application/json; charset=utf-8"
    tls = raw_exchange(emu, vault, "GET", "/keys/k1?api-version=7.5", None)
    head, _, page = b"".join(read_all(tls)).partition(b"\r\n\r\n")
    tls.close()
    assert head.startswith(b"HTTP/1.1 502") and b"content-type: text/html" in head.lower()
    assert page == b"<html>Bad Gateway</html>"
    # Both spent; k2 was never created.
    assert vault.request("GET", "/keys/k2?api-version=7.5")[0] == 404
    assert vault.request("GET", "/keys/k1?api-version=7.5")[0] == 200
    _, listed = admin(emu, "GET")
    assert listed == {"value": []}
