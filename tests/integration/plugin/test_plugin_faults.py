"""Injected faults (/_kmslab/faults) as the plugin meets them: 429 and 503 are retried (honouring
Retry-After) and then succeed within the request's deadline; latency beyond the deadline ends in a
clear error, and the plugin keeps serving."""
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


def test_latency_beyond_the_deadline(pb, setup):
    emu, p = setup
    add_rule(emu, {"match": {"vault": VAULT, "operation": "encrypt"}, "action": {"type": "latency", "ms": 5000},
                   "count": 1})
    m = pb["kms.v2.api_pb2"]
    with pytest.raises(grpc.RpcError) as e:
        v2(pb, p).Encrypt(m.EncryptRequest(plaintext=b"dek", uid="u"), timeout=1)
    assert e.value.code() in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNKNOWN)
    # The plugin gave up within the deadline and serves the next request.
    assert v2(pb, p).Status(m.StatusRequest(), timeout=20).healthz == "ok"
