"""Key Vault keys through the unmodified Python SDK (Debian python3-azure), default client options:
the challenge-resource verification passes for both vault name forms."""
import base64
import datetime
import hashlib

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.keyvault.keys import KeyClient, KeyCurveName
from azure.keyvault.keys.crypto import (CryptographyClient, EncryptionAlgorithm, KeyWrapAlgorithm,
                                        SignatureAlgorithm)

from keyvault_support import START, advance_clock, clock_now, kv_emulator, vault_url  # noqa: F401
from keyvault_credentials import credential  # noqa: F401


@pytest.fixture
def client(vault_url, credential):
    return KeyClient(vault_url, credential)


def test_create_get_and_list_rsa_and_ec_keys(client):
    rsa = client.create_rsa_key("rsa-key", size=2048, tags={"purpose": "test"})
    assert rsa.key_type == "RSA" and rsa.properties.version and len(rsa.properties.version) == 32
    assert rsa.properties.tags == {"purpose": "test"}
    assert rsa.properties.recovery_level == "Recoverable+Purgeable"
    ec = client.create_ec_key("ec-key", curve=KeyCurveName.p_256)
    assert ec.key_type == "EC" and ec.key.crv == "P-256"
    got = client.get_key("rsa-key")
    assert got.id == rsa.id and got.key.n == rsa.key.n
    assert client.get_key("ec-key", version=ec.properties.version).id == ec.id
    for i in range(3):
        client.create_ec_key(f"page-{i}", curve="P-384")
    names = sorted(p.name for p in client.list_properties_of_keys(max_page_size=2))
    assert names == ["ec-key", "page-0", "page-1", "page-2", "rsa-key"]


def test_versions_update_and_missing_keys(client):
    versions = [client.create_rsa_key("versioned").properties.version for _ in range(3)]
    listed = sorted(p.version for p in client.list_properties_of_key_versions("versioned"))
    assert listed == sorted(versions)
    assert client.get_key("versioned").properties.version == versions[-1]
    updated = client.update_key_properties("versioned", enabled=False, tags={"a": "b"})
    assert updated.properties.enabled is False and updated.properties.tags == {"a": "b"}
    with pytest.raises(ResourceNotFoundError) as err:
        client.get_key("no-such-key")
    assert "A key with (name/id) no-such-key was not found" in err.value.message


def test_crypto_round_trips_and_local_verification(client, credential):
    rsa = client.create_rsa_key("crypto-rsa", size=2048)
    crypto = CryptographyClient(rsa, credential)
    for alg in [EncryptionAlgorithm.rsa_oaep, EncryptionAlgorithm.rsa_oaep_256, EncryptionAlgorithm.rsa1_5]:
        encrypted = crypto.encrypt(alg, b"plaintext")
        assert crypto.decrypt(alg, encrypted.ciphertext).plaintext == b"plaintext"
    wrapped = crypto.wrap_key(KeyWrapAlgorithm.rsa_oaep_256, b"k" * 32)
    assert crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, wrapped.encrypted_key).key == b"k" * 32
    digest = hashlib.sha256(b"message").digest()
    for alg in [SignatureAlgorithm.rs256, SignatureAlgorithm.ps256]:
        signature = crypto.sign(alg, digest).signature
        assert crypto.verify(alg, digest, signature).is_valid
    ec = client.create_ec_key("crypto-ec", curve="P-256")
    ec_crypto = CryptographyClient(ec, credential)
    signature = ec_crypto.sign(SignatureAlgorithm.es256, digest).signature
    assert ec_crypto.verify(SignatureAlgorithm.es256, digest, signature).is_valid
    assert not ec_crypto.verify(SignatureAlgorithm.es256, hashlib.sha256(b"other").digest(), signature).is_valid


def test_key_ops_and_digest_length_are_enforced(client, credential):
    key = client.create_rsa_key("sign-only", key_operations=["sign", "verify"])
    crypto = CryptographyClient(key.id, credential)
    with pytest.raises(HttpResponseError) as err:
        crypto.decrypt(EncryptionAlgorithm.rsa_oaep, b"x" * 256)
    assert err.value.status_code == 403
    assert "Operation decrypt is not permitted on this key." in err.value.message
    ec = client.create_ec_key("digest-len", curve="P-256")
    with pytest.raises(HttpResponseError) as err:
        CryptographyClient(ec.id, credential).sign(SignatureAlgorithm.es256, b"x" * 44)
    assert err.value.status_code == 400
    assert "Invalid length of 'value': 44 bytes. ES256 requires 32 bytes" in err.value.message


def test_expiry_on_the_virtual_clock(client, credential, kv_emulator):
    # sign and decrypt always run in the vault (encrypt may run locally in the SDK, so the
    # server's encrypt check is covered by the wire tests).
    now = datetime.datetime.fromtimestamp(clock_now(kv_emulator), tz=datetime.timezone.utc)
    key = client.create_rsa_key("expiring", expires_on=now + datetime.timedelta(days=1))
    crypto = CryptographyClient(key.id, credential)
    ciphertext = crypto.encrypt(EncryptionAlgorithm.rsa_oaep_256, b"secret").ciphertext
    digest = hashlib.sha256(b"m").digest()
    crypto.sign(SignatureAlgorithm.rs256, digest)
    advance_clock(kv_emulator, "2d")
    with pytest.raises(HttpResponseError) as err:
        crypto.sign(SignatureAlgorithm.rs256, digest)
    assert err.value.status_code == 403
    assert "Operation sign is not allowed on an expired key." in err.value.message
    assert '"KeyExpired"' in err.value.message
    # decrypt keeps working outside the validity window
    assert crypto.decrypt(EncryptionAlgorithm.rsa_oaep_256, ciphertext).plaintext == b"secret"
    client.update_key_properties("expiring", enabled=False)
    with pytest.raises(HttpResponseError) as err:
        crypto.decrypt(EncryptionAlgorithm.rsa_oaep_256, ciphertext)
    assert "Operation decrypt is not allowed on a disabled key." in err.value.message


def deleted_and_done(client, name):
    """Deletes the key and waits, as Key Vault requires, until the deletion is complete: until
    then /deletedkeys/<name> is 404 and a create 409 ObjectIsBeingDeleted (recorded-keyvault.md
    §2; the emulator's --deletion-window). The poller's result() does not wait; wait() does,
    every _polling_interval seconds (the SDK's own tests shorten it the same way)."""
    poller = client.begin_delete_key(name, _polling_interval=0.1)
    poller.wait()
    return poller.result()


def test_soft_delete_recover_and_purge_with_pollers(client, kv_emulator):
    client.create_rsa_key("doomed")
    deleted = deleted_and_done(client, "doomed")
    assert deleted.recovery_id.endswith("/deletedkeys/doomed")
    assert (deleted.scheduled_purge_date - deleted.deleted_date).days == 90
    with pytest.raises(ResourceNotFoundError):
        client.get_key("doomed")
    with pytest.raises(ResourceExistsError) as err:
        client.create_rsa_key("doomed")
    assert "deleted but recoverable" in err.value.message
    assert [k.name for k in client.list_deleted_keys()] == ["doomed"]
    recovered = client.begin_recover_deleted_key("doomed").result()
    assert recovered.name == "doomed"
    deleted_and_done(client, "doomed")
    client.purge_deleted_key("doomed")
    with pytest.raises(ResourceNotFoundError):
        client.get_deleted_key("doomed")
    client.create_rsa_key("doomed")  # the name is free again


def test_deleted_keys_are_purged_when_retention_ends(client, kv_emulator):
    client.create_ec_key("short-lived")
    deleted_and_done(client, "short-lived")
    advance_clock(kv_emulator, "89d")
    assert client.get_deleted_key("short-lived").name == "short-lived"
    advance_clock(kv_emulator, "2d")
    with pytest.raises(ResourceNotFoundError):
        client.get_deleted_key("short-lived")


def test_oct_and_hsm_keys_are_refused_on_standard_vaults(client):
    with pytest.raises(HttpResponseError) as err:
        client.create_oct_key("aes")
    assert err.value.status_code == 400 and "Invalid kty value: oct" in err.value.message
    with pytest.raises(HttpResponseError) as err:
        client.create_rsa_key("hsm-key", hardware_protected=True)
    assert err.value.status_code == 403 and "standard vault" in err.value.message


def test_hsm_keys_on_a_premium_vault(kv_emulator, vault_url, credential):
    premium = KeyClient(vault_url.replace("myvault", "premvault"), credential)
    key = premium.create_rsa_key("hsm-key", hardware_protected=True, size=3072)
    assert key.key_type == "RSA-HSM"
    assert premium.create_ec_key("hsm-ec", curve="P-384", hardware_protected=True).key_type == "EC-HSM"


def test_random_bytes(client):
    assert len(client.get_random_bytes(32)) == 32


def test_backup_and_restore_bring_back_every_version(client):
    versions = [client.create_rsa_key("backed-up", tags={"n": str(i)}).properties.version for i in range(2)]
    blob = client.backup_key("backed-up")
    assert isinstance(blob, bytes) and len(blob) > 100
    with pytest.raises(ResourceExistsError):
        client.restore_key_backup(blob)  # the name is in use
    deleted_and_done(client, "backed-up")
    client.purge_deleted_key("backed-up")
    restored = client.restore_key_backup(blob)
    assert restored.properties.version == versions[-1]
    assert sorted(p.version for p in client.list_properties_of_key_versions("backed-up")) == sorted(versions)
    with pytest.raises(HttpResponseError) as err:
        client.restore_key_backup(blob[:-10] + b"0123456789")
    assert err.value.status_code == 400


def test_rotate_and_rotation_policy_on_the_virtual_clock(client, kv_emulator):
    from azure.keyvault.keys import KeyRotationLifetimeAction, KeyRotationPolicy, KeyRotationPolicyAction
    first = client.create_ec_key("rotating", curve="P-384")
    rotated = client.rotate_key("rotating")
    assert rotated.properties.version != first.properties.version and rotated.key.crv == "P-384"
    default = client.get_key_rotation_policy("rotating")
    assert default.lifetime_actions[0].action == KeyRotationPolicyAction.notify
    policy = client.update_key_rotation_policy("rotating", KeyRotationPolicy(
        lifetime_actions=[KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create="P30D")],
        expires_in="P90D"))
    assert policy.expires_in == "P90D" and policy.lifetime_actions[0].time_after_create == "P30D"
    advance_clock(kv_emulator, "95d")  # rotations at day 30, 60 and 90 after the last version
    versions = list(client.list_properties_of_key_versions("rotating"))
    assert len(versions) == 5
    latest = client.get_key("rotating")
    assert latest.properties.expires_on is not None
    assert (latest.properties.expires_on - latest.properties.created_on).days == 90
    with pytest.raises(HttpResponseError) as err:
        client.update_key_rotation_policy("rotating", KeyRotationPolicy(lifetime_actions=[
            KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create="P1D")]))
    assert err.value.status_code == 400


def test_logs_never_hold_tokens_secrets_or_key_material(client, credential, kv_emulator):
    key = client.create_rsa_key("logged", tags={"t": "v"})
    crypto = CryptographyClient(key.id, credential)
    crypto.sign(SignatureAlgorithm.rs256, hashlib.sha256(b"x").digest())
    client.backup_key("logged")
    token = credential.get_token("https://vault.azure.net/.default").token
    log = (kv_emulator.data_dir / "emulator.log").read_text()
    assert '"route":"keys.sign"' in log  # the requests were logged...
    modulus = base64.urlsafe_b64encode(key.key.n).decode().rstrip("=")[:40]
    for secret in [token, token.split(".")[2], "not-a-real-secret", "v1:RSA:", modulus]:
        assert secret not in log  # ...without what must never be logged


@pytest.fixture(params=["localhost-name", "proxy"])
def hsm_client(request, emulator_binary, tmp_path, monkeypatch):
    """A KeyClient for an emulated Managed HSM (--managed-hsm), in both name forms."""
    import socket
    from azure.identity import ClientSecretCredential
    from keyvault_support import TENANT, _localhost_getaddrinfo
    from kmslab_harness import Emulator
    emu = Emulator(emulator_binary, tmp_path / "hsm", ["--managed-hsm", "myhsm"]).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", emu.ca)
    monkeypatch.setenv("SSL_CERT_FILE", emu.ca)
    monkeypatch.setenv("HTTPS_PROXY", emu.proxy)
    if request.param == "proxy":
        monkeypatch.setenv("NO_PROXY", "")
        url = "https://myhsm.managedhsm.azure.net"
    else:
        monkeypatch.setenv("NO_PROXY", ".localhost")
        monkeypatch.setattr(socket, "getaddrinfo", _localhost_getaddrinfo)
        url = f"https://myhsm.managedhsm.localhost:{emu.port()}"
    credential = ClientSecretCredential(TENANT, "kmslab-hsm-tests", "not-a-real-secret")
    yield KeyClient(url, credential), credential
    assert emu.stop() == 0


def test_managed_hsm_keys_through_the_sdk(hsm_client):
    hsm_client, credential = hsm_client
    """recorded-keyvault.md §9: the SDK's challenge check passes for the HSM's resource; RSA-HSM
    keys show exportable false and 7 recoverable days (C:K.CreateRsaHsmKey.json)."""
    key = hsm_client.create_rsa_key("hsm-key", size=2048, hardware_protected=True)
    assert key.key_type == "RSA-HSM" and ".managedhsm." in key.id
    assert key.properties.recoverable_days == 7 and key.properties.exportable is False
    wrapped = CryptographyClient(key, credential).wrap_key(KeyWrapAlgorithm.rsa_oaep_256, b"k" * 32)
    assert len(wrapped.encrypted_key) == 256
    with pytest.raises(ResourceNotFoundError) as e:
        hsm_client.get_key("missing")
    assert "(Activity ID: " in str(e.value)
    assert [p.name for p in hsm_client.list_properties_of_keys()] == ["hsm-key"]
