"""Injected faults (/_kmslab/faults) as the plugin meets them: 429 and 503 are retried (honouring
Retry-After) and then succeed within the request's deadline; latency beyond the deadline ends in a
clear error, and the plugin keeps serving; a 200 without the result is an error, not an empty
ciphertext."""
import json

import grpc
import pytest

from keyvault_support import VAULT


@pytest.fixture
def setup(started):
    emu, p, _ = started
    return emu, p


def add_rule(emu, rule):
    status, _, body = emu.curl("/_kmslab/faults", "-H", "Content-Type: application/json", "-d", json.dumps(rule))
    assert status == 201, body


def rules(emu):
    return json.loads(emu.curl("/_kmslab/faults")[2])["value"]


def v2(pb, p):
    return pb["kms.v2.api_pb2_grpc"].KeyManagementServiceStub(grpc.insecure_channel(f"unix://{p.socket}"))


@pytest.mark.parametrize("action", [
    {"type": "error", "status": 429, "code": "Throttled", "retryAfter": 1},
    {"type": "error", "status": 503, "code": "ServiceUnavailable"},
])
def test_transient_errors_are_retried_then_succeed(pb, setup, action):
    emu, p = setup
    add_rule(emu, {"match": {"vault": VAULT, "operation": "encrypt"}, "action": action, "count": 2})
    enc = v2(pb, p).Encrypt(pb["kms.v2.api_pb2"].EncryptRequest(plaintext=b"dek", uid="u"), timeout=20)
    assert enc.key_id == p.key_id
    assert rules(emu) == []  # both injected failures were met (and retried past)


def encrypt_metrics(p):
    """The kms_request_count lines of operation "encrypt" from the plugin's /metrics: {(status, error): n}."""
    import re
    import urllib.request
    line = next(json.loads(l) for l in p.log.read_text().splitlines() if "health and metrics listening" in l)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open("http://" + line["metrics"], timeout=20) as r:
        text = r.read().decode()
    found = {}
    for m in re.finditer(r'^kms_request_count\{operation="encrypt",status="(\w+)",error_message="(.*)"\} (\d+)$',
                         text, re.M):
        found[(m.group(1), m.group(2))] = int(m.group(3))
    return found


def test_latency_beyond_the_deadline(pb, setup):
    """The plugin holds to the caller's deadline: its Key Vault call ends with an error when the 1 s
    deadline passes (not with the vault's 200 three seconds later), and nothing is retried past it
    (one of the three latency rules fired). A plugin that ignored the deadline would record a
    success for "encrypt" after 3 s, or fire more rules."""
    from kmslab_harness import wait_for
    emu, p = setup
    add_rule(emu, {"match": {"vault": VAULT, "operation": "encrypt"}, "action": {"type": "latency", "ms": 3000},
                   "count": 3})
    m = pb["kms.v2.api_pb2"]
    with pytest.raises(grpc.RpcError) as e:
        v2(pb, p).Encrypt(m.EncryptRequest(plaintext=b"dek", uid="u"), timeout=1)
    # Either side's timer may end the call first: the client's, or the plugin's (same deadline).
    assert e.value.code() in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNKNOWN)
    # The server's own account of that call: its Key Vault work ended, and how.
    outcome = wait_for(lambda: encrypt_metrics(p), "the plugin's encrypt to end")
    assert list(outcome.values()) == [1], outcome
    (status, error), = outcome
    assert status == "error", outcome
    assert error.startswith("failed to encrypt, error: keyvault.BaseClient#Encrypt: Failure sending request: "
                            "StatusCode=0 -- Original Error: "), error
    left = rules(emu)
    assert [(r["fired"], r["count"]) for r in left] == [(1, 2)], left
    # The plugin serves the next request (with the rest of the latency gone).
    emu.curl("/_kmslab/faults", "-X", "DELETE")
    assert v2(pb, p).Status(m.StatusRequest(), timeout=20).healthz == "ok"


# Entra ID's token endpoint and IMDS opt in to the same rules (match.service "identity" / "imds",
# operation "token"): a transient failure is retried, a lasting one reaches kube-apiserver in
# go-autorest's and adal's words (BearerAuthorizer around adal's TokenRefreshError).
@pytest.fixture
def mi_plugin(plugin_binary, emu_key, tmp_path):
    from plugin_support import Plugin
    emu, version = emu_key
    status, _, mi = emu.curl("/_kmslab/identity/managed-identities", "-H", "Content-Type: application/json",
                             "-d", json.dumps({"name": "kms-mi", "resourceGroup": "rg"}))
    assert status == 201, mi
    client_id = json.loads(mi)["properties"]["clientId"]
    p = Plugin(plugin_binary, tmp_path, emu, version, extra=["--imds-endpoint", emu.endpoints["imds"]],
               azure={"useManagedIdentityExtension": True, "userAssignedIdentityID": client_id}).start()
    yield emu, p, client_id
    assert p.stop() == 0, p.log.read_text()


def encrypt_error(pb, p):
    with pytest.raises(grpc.RpcError) as e:
        v2(pb, p).Encrypt(pb["kms.v2.api_pb2"].EncryptRequest(plaintext=b"dek", uid="u"), timeout=20)
    assert e.value.code() == grpc.StatusCode.UNKNOWN
    return e.value.details()


def preparing(p, status):
    return ("failed to encrypt, error: keyvault.BaseClient#Encrypt: Failure preparing request: StatusCode=0 -- "
            "Original Error: azure.BearerAuthorizer#WithAuthorization: Failed to refresh the Token for request to "
            f"{p.key_url}/encrypt?api-version=2016-10-01: StatusCode={status} -- Original Error: adal: Refresh "
            f"request failed. Status Code = '{status}'. Response body: ")


@pytest.mark.parametrize("service", ["imds", "identity"])
def test_token_faults_are_retried_then_succeed(pb, request, service):
    emu, p = (request.getfixturevalue("mi_plugin") if service == "imds" else request.getfixturevalue("setup"))[:2]
    status = 500 if service == "imds" else 429
    add_rule(emu, {"match": {"service": service, "operation": "token"},
                   "action": {"type": "error", "status": status}, "count": 1})
    enc = v2(pb, p).Encrypt(pb["kms.v2.api_pb2"].EncryptRequest(plaintext=b"dek", uid="u"), timeout=20)
    assert enc.key_id == p.key_id
    assert rules(emu) == []  # the fault was met, and retried past


def test_lasting_imds_500_in_upstreams_words(pb, mi_plugin):
    emu, p, client_id = mi_plugin
    add_rule(emu, {"match": {"service": "imds", "operation": "token"},
                   "action": {"type": "error", "status": 500, "retryAfter": 0}})
    text = encrypt_error(pb, p)
    body = '{"error":"unknown_error","error_description":"Transient error in IMDS. Retry after a period."}'
    endpoint = (f"{emu.endpoints['imds']}/metadata/identity/oauth2/token?api-version=2018-02-01"
                f"&client_id={client_id}&resource=https%3A%2F%2Fvault.azure.net")
    assert text == preparing(p, 500) + body + " Endpoint " + endpoint, text
    assert rules(emu)[0]["fired"] == 4  # the first try and three retries
    emu.curl("/_kmslab/faults", "-X", "DELETE")
    assert v2(pb, p).Status(pb["kms.v2.api_pb2"].StatusRequest(), timeout=20).healthz == "ok"


def test_lasting_token_429_in_upstreams_words(pb, setup):
    from plugin_support import TENANT
    emu, p = setup
    add_rule(emu, {"match": {"service": "identity"}, "action": {"type": "error", "status": 429, "retryAfter": 0}})
    text = encrypt_error(pb, p)
    assert text.startswith(preparing(p, 429) + '{"error":"temporarily_unavailable","error_description":"AADSTS90055'), text
    assert text.endswith(f" Endpoint https://login.microsoftonline.com/{TENANT}/oauth2/token?api-version=1.0"), text
    # A Key Vault rule leaves the token endpoint alone, and the reverse.
    assert all(r["match"] == {"service": "identity"} for r in rules(emu))


def test_service_rules_are_validated(setup):
    emu, _ = setup
    for rule, says in [({"service": "imds", "vault": "v"}, "applies to service \\\"keyvault\\\" only"),
                       ({"service": "imds", "operation": "encrypt"}, "Unknown operation 'encrypt' of service imds"),
                       ({"service": "arm"}, "'match.service' must be one of identity, imds, keyvault")]:
        status, _, body = emu.curl("/_kmslab/faults", "-H", "Content-Type: application/json",
                                   "-d", json.dumps({"match": rule, "action": {"type": "reset"}}))
        assert status == 400 and says in body, body
    assert rules(emu) == []


def test_a_200_without_the_result_is_a_clear_error(pb, setup):
    """Key Vault (or something in front of it) answers 200 without "value": the plugin fails the
    call with go-autorest's words instead of handing kube-apiserver an empty ciphertext."""
    emu, p = setup
    add_rule(emu, {"match": {"vault": VAULT, "operation": "encrypt"},
                   "action": {"type": "reply", "body": json.dumps({"kid": p.key_url})}, "count": 1})
    m = pb["kms.v2.api_pb2"]
    with pytest.raises(grpc.RpcError) as e:
        v2(pb, p).Encrypt(m.EncryptRequest(plaintext=b"dek", uid="u"), timeout=20)
    assert e.value.code() == grpc.StatusCode.UNKNOWN
    assert e.value.details() == ('failed to encrypt, error: keyvault.BaseClient#Encrypt: Failure responding to '
                                 'request: StatusCode=200 -- Original Error: the response has no "value"')
    assert v2(pb, p).Encrypt(m.EncryptRequest(plaintext=b"dek", uid="u"), timeout=20).key_id == p.key_id
