"""Issue #13 item 5: each vault's AuditEvent log (key-vault/general/logging.md). Calls made the
way the KMS plugin makes them (its User-Agent, a service principal's token, encrypt then decrypt)
appear in GET /_kmslab/vaults/{vault}/audit-events with the caller's address and identity, and the
records survive a kill -9 of the emulator."""
import base64
import json
import signal

from keyvault_support import Vault
from kmslab_harness import Emulator

PLUGIN_UA = "kubernetes-kms/v0.11.0 (linux/amd64) azsdk-go-azkeys/v1.3.0"


def claims_of(bearer):
    payload = bearer.split(" ")[1].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def audit(emu, vault, query=""):
    status, _, body = emu.curl(f"/_kmslab/vaults/{vault}/audit-events{query}")
    assert status == 200, body
    return json.loads(body)["records"]


def test_plugin_calls_are_audited_with_caller_and_identity(emulator_binary, tmp_path):
    emu = Emulator(emulator_binary, tmp_path / "data", ["--vault", "auditvault"]).start()
    try:
        vault = Vault(emu, "auditvault")
        ua = {"User-Agent": PLUGIN_UA, "x-ms-client-request-id": "5e0d1f2a-0000-4000-8000-00000000000a"}
        status, _, body = vault.request("POST", "/keys/kek/create?api-version=7.4", {"kty": "RSA"})
        assert status == 200, body
        status, _, enc = vault.request("POST", "/keys/kek//encrypt?api-version=2016-10-01",
                                       {"alg": "RSA-OAEP-256", "value": "ZGVrLWJ5dGVz"}, ua)
        assert status == 200, enc
        status, _, dec = vault.request("POST", "/keys/kek//decrypt?api-version=2016-10-01",
                                       {"alg": "RSA-OAEP-256", "value": enc["value"]}, ua)
        assert status == 200 and dec["value"] == "ZGVrLWJ5dGVz", dec
        assert vault.request("GET", "/keys/kek?api-version=7.4", token=None)[0] == 401

        records = audit(emu, "auditvault", "?operation=KeyDecrypt")
        assert len(records) == 1, records
        rec = records[0]
        claims = claims_of(vault.token)
        assert rec["category"] == "AuditEvent"
        assert rec["resourceId"].endswith("/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/AUDITVAULT")
        assert rec["operationVersion"] == "2016-10-01"
        assert (rec["resultType"], rec["resultSignature"]) == ("Success", "OK")
        assert rec["callerIpAddress"] == "127.0.0.1"
        assert rec["correlationId"] == ua["x-ms-client-request-id"]
        claim = rec["identity"]["claim"]
        assert claim["http://schemas.microsoft.com/identity/claims/objectidentifier"] == claims["oid"]
        assert claim["appid"] == claims.get("appid", claims.get("azp"))
        assert rec["properties"]["clientInfo"] == PLUGIN_UA
        assert rec["properties"]["httpStatusCode"] == 200
        assert rec["properties"]["isAccessPolicyMatch"] is True
        assert enc["value"] not in json.dumps(records)

        names = [r["operationName"] for r in audit(emu, "auditvault")]
        assert names == ["KeyCreate", "KeyEncrypt", "KeyDecrypt", "Authentication"], names
        across = json.loads(emu.curl("/_kmslab/audit-events?operation=KeyEncrypt")[2])["records"]
        assert [r["operationName"] for r in across] == ["KeyEncrypt"]
        status, _, body = emu.curl("/_kmslab/vaults/nosuchvault/audit-events")
        assert status == 404 and json.loads(body)["error"]["code"] == "VaultNotFound"
        status, _, body = emu.curl("/_kmslab/vaults/auditvault/audit-events?since=soon")
        assert status == 400 and json.loads(body)["error"]["code"] == "BadParameter"

        # kill -9: every acknowledged call keeps its record.
        emu.stop(signal.SIGKILL)
        emu = Emulator(emulator_binary, tmp_path / "data", ["--vault", "auditvault"]).start()
        assert [r["operationName"] for r in audit(emu, "auditvault")] == names
    finally:
        emu.stop()


def test_retention_keeps_the_newest_records(emulator_binary, tmp_path):
    emu = Emulator(emulator_binary, tmp_path / "data",
                   ["--vault", "smallvault", "--audit-retention", "2"]).start()
    try:
        vault = Vault(emu, "smallvault")
        for name in ("a", "b", "c"):
            assert vault.request("GET", f"/keys/{name}?api-version=7.4")[0] == 404
        ids = [r["properties"]["id"].rsplit("/", 1)[1] for r in audit(emu, "smallvault")]
        assert ids == ["b", "c"]
    finally:
        emu.stop()
