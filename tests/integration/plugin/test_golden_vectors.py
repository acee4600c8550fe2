"""Golden vectors (fixtures/plugin/README.md): ciphertexts made by an independent implementation
of upstream's contract (upstream_contract.py) under a key the test imports into the vault decrypt
through kmslab's plugin, and the plugin's ciphertexts decrypt with that key outside it: data
written through either plugin reads through the other (issue #10 item 3, reference §7.3-7.4)."""
import json

import grpc
import pytest

import upstream_contract as up
from keyvault_support import START, VAULT, Vault
from kmslab_harness import Emulator
from plugin_support import REPO, Plugin

FIXTURES = REPO / "fixtures" / "plugin"
VECTORS = json.loads((FIXTURES / "golden-vectors.json").read_text())
JWK = json.loads((FIXTURES / "golden-key.json").read_text())


@pytest.fixture(scope="module")
def golden(plugin_binary, emulator_binary, tmp_path_factory, pb):
    tmp = tmp_path_factory.mktemp("golden")
    emu = Emulator(emulator_binary, tmp / "emu", ["--clock", "manual", "--clock-start", START,
                                                 "--vault", VAULT]).start()
    status, _, key = Vault(emu).request("PUT", "/keys/golden?api-version=7.4", {"key": JWK})
    assert status == 200, key
    version = key["key"]["kid"].rsplit("/", 1)[1]
    assert key["key"]["n"] == JWK["n"]
    p = Plugin(plugin_binary, tmp, emu, version, key="golden").start()
    channel = grpc.insecure_channel(f"unix://{p.socket}")
    yield {"p": p, "version": version,
           "v1": pb["kms.v1beta1.api_pb2_grpc"].KeyManagementServiceStub(channel),
           "v2": pb["kms.v2.api_pb2_grpc"].KeyManagementServiceStub(channel)}
    channel.close()
    assert p.stop() == 0, p.log.read_text()
    assert emu.stop() == 0


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{len(v['plaintext_hex']) // 2}B" for v in VECTORS])
def test_upstream_ciphertexts_decrypt_through_the_plugin(pb, golden, vector):
    plain = bytes.fromhex(vector["plaintext_hex"])
    m2, m1 = pb["kms.v2.api_pb2"], pb["kms.v1beta1.api_pb2"]
    kid = up.key_id(f"https://{VAULT}.vault.azure.net/", "golden", golden["version"])
    assert kid == golden["p"].key_id
    dec = golden["v2"].Decrypt(m2.DecryptRequest(ciphertext=vector["v2_ciphertext"].encode(), key_id=kid,
                                                 uid="golden", annotations=up.v2_annotations()), timeout=20)
    assert dec.plaintext == plain
    v1 = golden["v1"].Decrypt(m1.DecryptRequest(version="v1beta1", cipher=vector["v1_ciphertext"].encode()),
                              timeout=20)
    assert v1.plain == plain


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{len(v['plaintext_hex']) // 2}B" for v in VECTORS])
def test_plugin_ciphertexts_decrypt_as_upstream_reads_them(pb, golden, vector):
    plain = bytes.fromhex(vector["plaintext_hex"])
    private = up.private_key_from_jwk(JWK)
    m2, m1 = pb["kms.v2.api_pb2"], pb["kms.v1beta1.api_pb2"]
    enc = golden["v2"].Encrypt(m2.EncryptRequest(plaintext=plain, uid="golden"), timeout=20)
    assert len(enc.ciphertext) == 342  # RSA-2048: 256 bytes as unpadded base64url
    assert up.decrypt(private, up.V2_ALG, enc.ciphertext) == plain
    assert enc.key_id == golden["p"].key_id
    assert set(enc.annotations) == up.ANNOTATION_KEYS
    assert {k: enc.annotations[k] for k in up.v2_annotations()} == up.v2_annotations()
    v1 = golden["v1"].Encrypt(m1.EncryptRequest(version="v1beta1", plain=plain), timeout=20)
    assert up.decrypt(private, up.V1_ALG, v1.cipher) == plain


def test_a_vector_under_another_algorithm_is_refused(pb, golden):
    """The check can fail: a v1 (RSA1_5) ciphertext given to v2 (RSA-OAEP-256) does not decrypt."""
    m2 = pb["kms.v2.api_pb2"]
    with pytest.raises(grpc.RpcError) as e:
        golden["v2"].Decrypt(m2.DecryptRequest(ciphertext=VECTORS[2]["v1_ciphertext"].encode(),
                                               key_id=golden["p"].key_id, uid="golden",
                                               annotations=up.v2_annotations()), timeout=20)
    assert e.value.code() == grpc.StatusCode.UNKNOWN
    assert "failed to decrypt" in e.value.details()
