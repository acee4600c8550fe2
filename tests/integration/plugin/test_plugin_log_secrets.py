"""Issue #10 item 7 / #5: the plugin at -v 10, through v1 and v2 Encrypt/Decrypt with a client
secret and with a PKCS#12 certificate, logs no token, secret, certificate password, private key
or plaintext. (The plugin's part of tests/integration/test_log_secrets.py: it lives in the plugin
suite, whose conftest knows the plugin binary.)"""
import base64

import grpc

from keyvault_support import TENANT
from plugin_support import Plugin
from test_plugin_access import admin
from test_plugin_certificate import PASSWORD, make_p12, started  # noqa: F401 (fixture)

SECRET = "plugin-secret-7c2e91-never-logged"
PLAINTEXT = b"plugin-plaintext-4d1a-never-logged"


def tour(pb, p):
    channel = grpc.insecure_channel(f"unix://{p.socket}")
    v1, v2 = pb["kms.v1beta1.api_pb2"], pb["kms.v2.api_pb2"]
    s1 = pb["kms.v1beta1.api_pb2_grpc"].KeyManagementServiceStub(channel)
    s2 = pb["kms.v2.api_pb2_grpc"].KeyManagementServiceStub(channel)
    enc = s1.Encrypt(v1.EncryptRequest(version="v1beta1", plain=PLAINTEXT), timeout=20)
    assert s1.Decrypt(v1.DecryptRequest(version="v1beta1", cipher=enc.cipher), timeout=20).plain == PLAINTEXT
    enc = s2.Encrypt(v2.EncryptRequest(plaintext=PLAINTEXT, uid="a"), timeout=20)
    dec = s2.Decrypt(v2.DecryptRequest(ciphertext=enc.ciphertext, key_id=enc.key_id,
                                       annotations=enc.annotations, uid="b"), timeout=20)
    assert dec.plaintext == PLAINTEXT
    s2.Status(v2.StatusRequest(), timeout=20)


def assert_clean(log, secrets):
    assert log.strip(), "the plugin logged nothing"
    for s in secrets:
        assert s not in log, f"{s[:12]}... reached the plugin log"
    assert "eyJ" not in log, "a JWT (token or client assertion) reached the plugin log"


def test_nothing_secret_in_the_plugins_most_verbose_log(pb, plugin_binary, started, tmp_path):
    emu, version = started
    pem, p12 = make_p12(tmp_path, "plugin")
    key_body = (tmp_path / "plugin.key").read_text().splitlines()[1]
    sp = admin(emu, "POST", "/_kmslab/identity/service-principals", {"certificate": pem})
    modes = {"secret": {"tenantId": TENANT, "aadClientId": "plugin-log", "aadClientSecret": SECRET},
             "cert": {"tenantId": TENANT, "aadClientId": sp["appId"], "aadClientCertPath": str(p12),
                      "aadClientCertPassword": PASSWORD}}
    for name, azure in modes.items():
        workdir = tmp_path / name
        workdir.mkdir()
        p = Plugin(plugin_binary, workdir, emu, version, azure=azure, extra=["-v", "10"]).start()
        try:
            tour(pb, p)
        finally:
            assert p.stop() == 0
        assert_clean(p.log.read_text(), [SECRET, PASSWORD, key_body, sp["password"],
                                         PLAINTEXT.decode(), base64.b64encode(PLAINTEXT).decode(),
                                         base64.urlsafe_b64encode(PLAINTEXT).decode().rstrip("=")])
