"""/healthz and /metrics as upstream serves them (reference/kms.md §7.5): real round trips (six
Key Vault calls per probe), 503 when Status fails, 200 "ok"; the kms_request histogram with
upstream's labels and buckets. Listeners on loopback, port 0."""
import json
import re
import urllib.request

import grpc
import pytest

from keyvault_support import Vault


@pytest.fixture
def setup(started):
    emu, p, version = started
    line = next(json.loads(l) for l in p.log.read_text().splitlines() if "health and metrics listening" in l)
    return emu, p, version, "http://" + line["healthz"], "http://" + line["metrics"]


def get(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def vault_crypto_calls(emu):
    _, _, text = emu.curl("/metrics")
    total = 0
    for line in text.splitlines():
        if line.startswith("kmslab_http_requests_total") and re.search(r'route="keys\.(en|de)crypt"', line):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_healthz_ok_with_six_vault_calls(setup):
    emu, _, _, healthz, _ = setup
    assert healthz.startswith("http://127.0.0.1:") and healthz.endswith("/healthz")
    before = vault_crypto_calls(emu)
    assert get(healthz) == (200, "ok")
    assert vault_crypto_calls(emu) - before == 6
    assert get(healthz.replace("/healthz", "/other"))[0] == 404


def test_healthz_503_when_status_fails(setup):
    emu, _, version, healthz, _ = setup
    Vault(emu).request("PATCH", f"/keys/kek/{version}?api-version=7.4", {"attributes": {"enabled": False}})
    status, body = get(healthz)
    assert status == 503
    assert body.startswith("rpc error: code = Unknown desc = failed to encrypt, error: "
                           "keyvault.BaseClient#Encrypt: Failure responding to request: StatusCode=403"), body


def test_metrics_histogram(setup, pb):
    _, p, _, healthz, metrics = setup
    assert get(healthz)[0] == 200
    channel = grpc.insecure_channel(f"unix://{p.socket}")
    v2 = pb["kms.v2.api_pb2_grpc"].KeyManagementServiceStub(channel)
    with pytest.raises(grpc.RpcError):
        v2.Decrypt(pb["kms.v2.api_pb2"].DecryptRequest(ciphertext=b"x", key_id="nope"), timeout=10)
    status, text = get(metrics)
    assert status == 200
    assert "# TYPE kms_request histogram" in text
    assert re.search(r'kms_request_bucket\{operation="grpc_status",status="success",error_message="",le="0.1"\} ', text), text
    assert re.search(r'kms_request_count\{operation="grpc_version",status="success",error_message=""\} 1', text), text
    assert 'operation="grpc_decrypt",status="error",error_message="invalid annotations, annotations cannot be empty"' in text
    bounds = sorted({float(b) for b in re.findall(r'operation="grpc_status".*?le="([0-9.e+-]+)"', text)})
    assert len(bounds) == 11 and abs(bounds[0] - 0.1) < 1e-9 and abs(bounds[-1] - 2) < 1e-9
    assert 'le="0.1"' in text
