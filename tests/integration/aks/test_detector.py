"""The KMS detector end to end (O1, O2; issue #12 item 7) with real cluster processes: a KMS v2
cluster is green; its key's expiry set in the past makes the apiserver's next Status poll (the
admin clock advanced) fail in the plugin with Key Vault's KeyExpired, and the detector is red
with Key Vault's own words and the documented remedies; extending the expiry and rotating to a
new key version (ARM PUT of keyId) makes it green again. `tools/kmslab diagnose` is checked
once. ARM and Key Vault are called directly (no az: nothing here is about az's requests)."""
import calendar
import json
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from arm_support import GROUP, SUBSCRIPTION, arm_call, claims, emulator_fixture, get_token

REPO = Path(__file__).resolve().parents[3]
RG = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}"
CLUSTER = f"{RG}/providers/Microsoft.ContainerService/managedClusters/det1"
# api-version and time window as public detector clients send them (aks-mcp).
DETECTOR = (f"{CLUSTER}/detectors/azure-keyvault-kms-integration-issues?api-version=2024-08-01"
            "&startTime=2026-01-01T00:00:00Z&endTime=2026-01-01T01:00:00Z")
EXPIRED = "KeyExpired: Operation encrypt is not allowed on an expired key"


@pytest.fixture(scope="module")
def emu(request, tmp_path_factory):
    yield from emulator_fixture(request, tmp_path_factory, "aks-detector", [])


def ok(emu, method, path, body=None):
    status, _, answer = arm_call(emu, method, path, body)
    assert status < 300, f"{method} {path}: {status} {answer}"
    return answer


def vault_call(emu, method, url, body=None):
    """A Key Vault request under the vault's real name, through the emulator's proxy."""
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None)
    req.add_header("Authorization", "Bearer " + get_token(emu, "https://vault.azure.net"))
    req.add_header("Content-Type", "application/json")
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"https": emu.proxy}),
        urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=emu.ca)))
    with opener.open(req, timeout=30) as answer:
        return json.loads(answer.read())


def wait(what, probe, timeout=60.0):
    """Polls `probe` until it returns something truthy (bounded by the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def put_cluster(emu, key_id):
    body = {"location": "eastus",
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {
                f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-det": {}}},
            "properties": {
                "kubernetesVersion": "1.29.7", "dnsPrefix": "det1",
                "agentPoolProfiles": [{"name": "nodepool1", "count": 1, "mode": "System",
                                       "type": "VirtualMachineScaleSets",
                                       "vmSize": "Standard_DS2_v2"}],
                "securityProfile": {"azureKeyVaultKms": {
                    "enabled": True, "keyId": key_id, "keyVaultNetworkAccess": "Public"}}}}
    ok(emu, "PUT", f"{CLUSTER}?api-version=2022-11-01", body)
    wait("the cluster to succeed", lambda: ok(emu, "GET", f"{CLUSTER}?api-version=2022-11-01")
         ["properties"]["provisioningState"] == "Succeeded", timeout=120)


def findings(emu):
    d = ok(emu, "GET", DETECTOR)
    return d, {f["code"]: f for f in d["properties"]["kmslab"]["findings"]}


def advance_clock(emu, by):
    req = urllib.request.Request(emu.url + "/_kmslab/clock", method="POST",
                                 data=json.dumps({"advance": by}).encode())
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=emu.ca),
                                timeout=60) as answer:
        assert answer.status == 200


def now(emu):
    with urllib.request.urlopen(emu.url + "/_kmslab/clock",
                                context=ssl.create_default_context(cafile=emu.ca)) as answer:
        return json.loads(answer.read())


def test_expired_key_turns_the_detector_red_and_rotation_green_again(emu):
    me = claims(get_token(emu))["oid"]
    ident = ok(emu, "PUT", f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
               "id-det?api-version=2022-01-31-preview", {"location": "eastus"})
    policies = [{"tenantId": emu.endpoints["tenant"], "objectId": oid,
                 "permissions": {"keys": perms}}
                for oid, perms in ((ident["properties"]["principalId"], ["encrypt", "decrypt"]),
                                   (me, ["create", "get", "update", "encrypt", "decrypt"]))]
    ok(emu, "PUT", f"{RG}/providers/Microsoft.KeyVault/vaults/kv-det?api-version=2022-07-01",
       {"location": "eastus", "properties": {
           "tenantId": emu.endpoints["tenant"], "sku": {"family": "A", "name": "standard"},
           "accessPolicies": policies}})
    create = "https://kv-det.vault.azure.net/keys/k1/create?api-version=7.4"
    key = {"kty": "RSA", "key_size": 2048, "key_ops": ["encrypt", "decrypt"]}
    kid1 = vault_call(emu, "POST", create, key)["key"]["kid"]
    put_cluster(emu, kid1)

    # Green: KMS on, the key in use, nothing wrong.
    d, found = findings(emu)
    assert d["properties"]["status"]["statusId"] == 3, found
    assert "KmsHealthy" in found
    assert d["properties"]["kmslab"]["kms"]["currentKeyVersion"] == kid1.rsplit("/", 1)[1]

    # The key's expiry in the past; the apiserver's next v2 Status poll (every minute) fails.
    clock = now(emu)
    past = int(calendar.timegm(time.strptime(clock["now"][:19], "%Y-%m-%dT%H:%M:%S"))) - 3600
    vault_call(emu, "PATCH", kid1 + "?api-version=7.4", {"attributes": {"exp": past}})
    advance_clock(emu, "2m")

    def red():
        d, found = findings(emu)
        f = found.get("KeyExpired")
        return (d, f) if f and f["message"] == EXPIRED else None
    d, expired = wait("the detector to relay KeyExpired", red)
    assert d["properties"]["status"]["statusId"] == 0
    assert expired["status"] == "critical"
    assert "Status=403" in expired["evidence"]["observed"]["error"]
    assert any("--expires" in r for r in expired["remedies"])
    assert any("--azure-keyvault-kms-key-id" in r for r in expired["remedies"])
    assert d["properties"]["kmslab"]["kms"]["pluginHealthy"] is False

    # tools/kmslab diagnose shows it and exits 1 (critical).
    out = subprocess.run([str(REPO / "tools" / "kmslab"), "diagnose", f"{GROUP}/det1",
                          "--data-dir", str(emu.data_dir), "--color", "never"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stderr
    assert "CRITICAL" in out.stdout and EXPIRED in out.stdout, out.stdout
    assert "az keyvault key set-attributes" in out.stdout

    # D4's remedy: extend the expiry and rotate to a new key version.
    vault_call(emu, "PATCH", kid1 + "?api-version=7.4",
               {"attributes": {"exp": past + 3600 + 365 * 86400}})
    kid2 = vault_call(emu, "POST", create, key)["key"]["kid"]
    put_cluster(emu, kid2)
    advance_clock(emu, "2m")

    def green():
        d, found = findings(emu)
        return d if d["properties"]["status"]["statusId"] == 3 else None
    d = wait("the detector to be green after the rotation", green)
    kms = d["properties"]["kmslab"]["kms"]
    assert kms["currentKeyVersion"] == kid2.rsplit("/", 1)[1]
    assert kms["previousKeyVersion"] == kid1.rsplit("/", 1)[1]
    assert kms["pluginHealthy"] is True
