"""Malformed input for every Key Vault keys operation: each gets a 400 (or the documented code)
in the Azure envelope, and nothing changes (checked by reading the state back)."""
import json

import pytest

from kmslab_harness import Emulator
from keyvault_support import START, VAULT, Vault

RSA = "/keys/rsa"
EC = "/keys/ec"
V = "?api-version=7.5"
B64_300 = "A" * 400  # 300 bytes: more than RSA-OAEP-256 takes with a 2048-bit key

# (method, path, body, expected status, text the message contains)
CASES = [
    # create
    ("POST", "/keys/new/create", b"{not json", 400, "not a valid JSON"),
    ("POST", "/keys/new/create", b"[1,2]", 400, "not a valid JSON"),
    ("POST", "/keys/new/create", {}, 400, "'kty' is required"),
    ("POST", "/keys/new/create", {"kty": 5}, 400, "'kty' has an invalid value"),
    ("POST", "/keys/new/create", {"kty": "DSA"}, 400, "Invalid kty value: DSA"),
    ("POST", "/keys/new/create", {"kty": "oct"}, 400, "Invalid kty value: oct"),
    ("POST", "/keys/new/create", {"kty": "RSA", "key_size": "2048"}, 400, "'key_size' has an invalid value"),
    ("POST", "/keys/new/create", {"kty": "RSA", "key_size": 1024}, 400, "Unsupported key size"),
    ("POST", "/keys/new/create", {"kty": "EC", "crv": "P-192"}, 400, "Invalid crv value: P-192"),
    ("POST", "/keys/new/create", {"kty": "EC", "key_ops": "sign"}, 400, "key_ops"),
    ("POST", "/keys/new/create", {"kty": "EC", "key_ops": ["fly"]}, 400, "Invalid key operation"),
    ("POST", "/keys/new/create", {"kty": "EC", "attributes": {"exp": "tomorrow"}}, 400, "IntDate"),
    ("POST", "/keys/new/create", {"kty": "EC", "attributes": {"nbf": -5}}, 400, "negative"),
    ("POST", "/keys/new/create", {"kty": "EC", "attributes": {"nbf": 2000, "exp": 1000}}, 400, "after"),
    ("POST", "/keys/new/create", {"kty": "EC", "attributes": {"enabled": "yes"}}, 400, "boolean"),
    ("POST", "/keys/new/create", {"kty": "EC", "tags": {"a": 1}}, 400, "string value"),
    ("POST", "/keys/new/create", {"kty": "EC", "tags": {f"t{i}": "v" for i in range(16)}}, 400, "15 tags"),
    ("POST", "/keys/bad.name/create", {"kty": "EC"}, 400, "invalid"),
    # nesting deep enough to overflow a stack when printed (found by hand: a crash before)
    ("POST", "/keys/new/create", b'{"kty":"EC","key_ops":[' + b"[" * 200000 + b"]" * 200000 + b"]}", 400,
     "not a valid JSON"),
    # import
    ("PUT", "/keys/imp", {}, 400, "'key' is required"),
    ("PUT", "/keys/imp", {"key": {"kty": "RSA", "n": "!!", "e": "AQAB"}}, 400, ""),
    ("PUT", "/keys/imp", {"key": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"}}, 400, ""),
    # update
    ("PATCH", RSA, {"attributes": {"exp": -1}}, 400, "negative"),
    ("PATCH", RSA, {"tags": []}, 400, "'tags' must be an object"),
    ("PATCH", RSA, {"key_ops": [1]}, 400, "Invalid key operation"),
    # crypto
    ("POST", RSA + "/encrypt", {"value": "aGk"}, 400, "'alg' is required"),
    ("POST", RSA + "/encrypt", {"alg": "RSA-OAEP"}, 400, "'value' is required"),
    ("POST", RSA + "/encrypt", {"alg": "RSA-OAEP", "value": "a+b/"}, 400, "not base64url"),
    ("POST", RSA + "/encrypt", {"alg": "RSA-OAEP", "value": 12}, 400, "not base64url"),
    ("POST", RSA + "/encrypt", {"alg": "A256GCM", "value": "aGk"}, 400, ""),
    ("POST", RSA + "/encrypt", {"alg": "NOPE", "value": "aGk"}, 400, "Invalid alg value"),
    ("POST", RSA + "/encrypt", {"alg": "RSA-OAEP-256", "value": B64_300}, 400, "Invalid length of 'value'"),
    ("POST", RSA + "/decrypt", {"alg": "RSA-OAEP", "value": "AAAA"}, 400, ""),
    ("POST", RSA + "/sign", {"alg": "RS256", "value": "AAAA"}, 400, "Invalid length of 'value'"),
    ("POST", RSA + "/sign", {"alg": "ES256", "value": "A" * 43}, 400, "incompatible"),
    ("POST", EC + "/sign", {"alg": "ES384", "value": "A" * 64}, 400, "curve"),
    ("POST", RSA + "/verify", {"alg": "RS256", "value": "AAAA"}, 400, "'digest' is required"),
    ("POST", RSA + "/wrapkey", {"alg": "RSA-OAEP", "value": "%%"}, 400, "not base64url"),
    ("POST", RSA + "/unwrapkey", {"alg": "RSA1_5"}, 400, "'value' is required"),
    # lists, rng, backup, restore, rotation policy
    ("GET", "/keys", None, 200, ""),  # a control: the query below is what is malformed
    ("POST", "/rng", {"count": 0}, 400, "between 1 and 128"),
    ("POST", "/rng", {"count": "8"}, 400, "between 1 and 128"),
    ("POST", "/rng", {}, 400, "'count' is required"),
    ("POST", "/keys/restore", {"value": "AAAA"}, 400, "invalid or corrupt"),
    ("POST", "/keys/restore", {"value": "!"}, 400, "not base64url"),
    ("PUT", RSA + "/rotationpolicy", {"lifetimeActions": "x"}, 400, "lifetimeActions"),
    ("PUT", RSA + "/rotationpolicy",
     {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P1X"}, "action": {"type": "Rotate"}}]}, 400, "ISO 8601"),
    ("PUT", RSA + "/rotationpolicy",
     {"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Rotate"}}]}, 400, "expiryTime"),
    ("PUT", RSA + "/rotationpolicy", {"attributes": {"expiryTime": "P1D"}}, 400, "28 days"),
    ("PUT", RSA + "/rotationpolicy",
     {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Explode"}}]}, 400, "Rotate or Notify"),
]


@pytest.fixture(scope="module")
def seeded(emulator_binary, tmp_path_factory):
    emu = Emulator(emulator_binary, tmp_path_factory.mktemp("malformed") / "d",
                   ["--clock", "manual", "--clock-start", START, "--vault", VAULT,
                    "--throttling", "off"]).start()
    vault = Vault(emu)
    assert vault.request("POST", f"{RSA}/create{V}", {"kty": "RSA", "tags": {"k": "v"}})[0] == 200
    assert vault.request("POST", f"{EC}/create{V}", {"kty": "EC", "crv": "P-256"})[0] == 200
    yield emu, vault
    assert emu.stop() == 0


def snapshot(vault):
    state = {}
    for path in ["/keys", "/deletedkeys", RSA + "/versions", EC + "/versions"]:
        status, _, body = vault.request("GET", path + V)
        state[path] = (status, json.dumps(body, sort_keys=True))
    for path in [RSA, EC, RSA + "/rotationpolicy"]:
        status, _, body = vault.request("GET", path + V)
        state[path] = (status, json.dumps(body, sort_keys=True))
    return state


@pytest.mark.parametrize("method,path,body,status,text", CASES,
                         ids=[f"{c[0]} {c[1]} {json.dumps(c[2])[:40] if not isinstance(c[2], bytes) else c[2][:40]!r}"
                              for c in CASES])
def test_malformed_input_is_refused_and_changes_nothing(seeded, method, path, body, status, text):
    emu, vault = seeded
    before = snapshot(vault)
    got, _, answer = vault.request(method, path + V, body)
    assert got == status, answer
    if status >= 400:
        error = answer["error"]
        assert error["code"] == "BadParameter", error
        assert text in error["message"], error
    assert snapshot(vault) == before


def test_malformed_paging_parameters(seeded):
    _, vault = seeded
    for query in ["maxresults=0", "maxresults=26", "maxresults=abc", "maxresults=-1", "$skiptoken=!!"]:
        status, _, body = vault.request("GET", f"/keys{V}&{query}")
        assert status == 400 and body["error"]["code"] == "BadParameter", query
