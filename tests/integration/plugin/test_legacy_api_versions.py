"""The api-versions the upstream Azure KMS plugin speaks (2016-10-01; and 2015-06-01), with those
versions' shapes: encrypt/decrypt work, key bundles lack the members added later."""
import pytest

from kmslab_harness import Emulator
from keyvault_support import START, VAULT, Vault


@pytest.fixture
def vault(emulator_binary, tmp_path):
    emu = Emulator(emulator_binary, tmp_path / "d",
                   ["--clock", "manual", "--clock-start", START, "--vault", VAULT]).start()
    yield Vault(emu)
    assert emu.stop() == 0


def test_encrypt_decrypt_with_2016_10_01(vault):
    status, _, key = vault.request("POST", "/keys/kek/create?api-version=7.4",
                                   {"kty": "RSA", "key_size": 2048})
    assert status == 200, key
    kid = key["key"]["kid"]
    version = kid.rsplit("/", 1)[1]
    for api in ("2016-10-01", "2015-06-01"):
        status, _, enc = vault.request(
            "POST", f"/keys/kek/{version}/encrypt?api-version={api}",
            {"alg": "RSA-OAEP-256", "value": "aGVsbG8"})
        assert status == 200, enc
        assert list(enc) == ["kid", "value"] and enc["kid"] == kid
        status, _, dec = vault.request(
            "POST", f"/keys/kek/{version}/decrypt?api-version={api}",
            {"alg": "RSA-OAEP-256", "value": enc["value"]})
        assert status == 200 and dec["value"] == "aGVsbG8", dec


def test_key_bundle_shapes_follow_the_version(vault):
    assert vault.request("POST", "/keys/k/create?api-version=7.4", {"kty": "RSA"})[0] == 200
    attrs = {api: vault.request("GET", f"/keys/k?api-version={api}")[2]["attributes"]
             for api in ("7.4", "2016-10-01", "2015-06-01")}
    assert "recoverableDays" in attrs["7.4"] and "recoveryLevel" in attrs["7.4"]
    assert "recoverableDays" not in attrs["2016-10-01"] and "recoveryLevel" in attrs["2016-10-01"]
    assert "recoveryLevel" not in attrs["2015-06-01"]


def test_unknown_old_version_is_still_refused(vault):
    status, _, body = vault.request("GET", "/keys?api-version=2014-12-08-preview")
    assert status == 400 and body["error"]["code"] == "BadParameter", body
