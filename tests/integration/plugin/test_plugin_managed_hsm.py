"""kmslab-kms-plugin --managed-hsm against an emulated Managed HSM (--managed-hsm NAME): the
plugin reaches https://NAME.managedhsm.azure.net through the proxy with a token for
https://managedhsm.azure.net (reference/kms.md §7; recorded-keyvault.md §9)."""
import grpc

from kmslab_harness import Emulator
from keyvault_support import START, Vault
from plugin_support import Plugin

HSM = "myhsm"
HSM_SCOPE = "https://managedhsm.azure.net/.default"


def test_v1_and_v2_round_trips_through_a_managed_hsm(pb, plugin_binary, emulator_binary, tmp_path):
    emu = Emulator(emulator_binary, tmp_path / "emu",
                   ["--clock", "manual", "--clock-start", START, "--managed-hsm", HSM]).start()
    try:
        hsm = Vault(emu, HSM, suffix="managedhsm.localhost", scope=HSM_SCOPE)
        status, headers, key = hsm.request("POST", "/keys/kek/create?api-version=7.4",
                                           {"kty": "RSA-HSM", "key_size": 2048})
        assert status == 200, key
        assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        version = key["key"]["kid"].rsplit("/", 1)[1]
        p = Plugin(plugin_binary, tmp_path, emu, version, vault=HSM, managed_hsm=True).start()
        try:
            channel = grpc.insecure_channel(f"unix://{p.socket}")
            v2 = pb["kms.v2.api_pb2_grpc"].KeyManagementServiceStub(channel)
            m = pb["kms.v2.api_pb2"]
            assert v2.Status(m.StatusRequest(), timeout=20).key_id == p.key_id
            enc = v2.Encrypt(m.EncryptRequest(plaintext=b"dek bytes", uid="u1"), timeout=20)
            dec = v2.Decrypt(m.DecryptRequest(ciphertext=enc.ciphertext, uid="u2", key_id=enc.key_id,
                                              annotations=enc.annotations), timeout=20)
            assert dec.plaintext == b"dek bytes"
            v1 = pb["kms.v1beta1.api_pb2_grpc"].KeyManagementServiceStub(channel)
            m1 = pb["kms.v1beta1.api_pb2"]
            c = v1.Encrypt(m1.EncryptRequest(version="v1beta1", plain=b"secret"), timeout=20).cipher
            assert v1.Decrypt(m1.DecryptRequest(version="v1beta1", cipher=c), timeout=20).plain == b"secret"
            # The plugin's calls went to the HSM: a vault of that name does not exist.
            status, _, _ = Vault(emu, HSM).request("GET", "/keys?api-version=7.4")
            assert status == 404
        finally:
            assert p.stop() == 0, p.log.read_text()
    finally:
        assert emu.stop() == 0
