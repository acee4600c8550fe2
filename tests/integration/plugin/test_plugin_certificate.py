"""The plugin's third credential (reference/kms.md §7.2): a PKCS#12 client certificate from
azure.json (aadClientCertPath, aadClientCertPassword), made by `openssl pkcs12 -export` here. The
emulator's token endpoint checks the client assertion against the certificate registered for the
application through /_kmslab/identity/service-principals."""
import subprocess

import grpc
import pytest

from keyvault_support import TENANT, VAULT, Vault
from kmslab_harness import Emulator
from plugin_support import Plugin
from test_plugin_access import admin, status_of

PASSWORD = "p12-pass-word"


def make_p12(workdir, name, password=PASSWORD):
    key, cert, p12 = (workdir / f"{name}.{ext}" for ext in ("key", "pem", "p12"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-subj", f"/CN={name}", "-days", "2"], check=True, capture_output=True)
    subprocess.run(["openssl", "pkcs12", "-export", "-inkey", str(key), "-in", str(cert), "-out", str(p12),
                    "-passout", f"pass:{password}"], check=True, capture_output=True)
    p12.chmod(0o600)
    return cert.read_text(), p12


@pytest.fixture
def started(emulator_binary, tmp_path):
    """The emulator on the system clock: it checks the assertion's nbf/exp, which the plugin sets
    from its own (real) clock. (emu, version)."""
    emu = Emulator(emulator_binary, tmp_path / "emu", ["--vault", VAULT]).start()
    status, _, key = Vault(emu).request("POST", "/keys/kek/create?api-version=7.4",
                                        {"kty": "RSA", "key_size": 2048})
    assert status == 200, key
    yield emu, key["key"]["kid"].rsplit("/", 1)[1]
    emu.stop()


def cert_plugin(plugin_binary, workdir, emu, version, app, p12, password=PASSWORD):
    workdir.mkdir(exist_ok=True)
    azure = {"tenantId": TENANT, "aadClientId": app, "aadClientCertPath": str(p12),
             "aadClientCertPassword": password}
    return Plugin(plugin_binary, workdir, emu, version, azure=azure)


def test_round_trip_with_a_registered_certificate(pb, plugin_binary, started, tmp_path):
    emu, version = started
    pem, p12 = make_p12(tmp_path, "plugin")
    sp = admin(emu, "POST", "/_kmslab/identity/service-principals", {"displayName": "kms", "certificate": pem})
    p = cert_plugin(plugin_binary, tmp_path / "cert", emu, version, sp["appId"], p12).start()
    try:
        assert status_of(pb, p) == "ok"
        v2 = pb["kms.v2.api_pb2_grpc"].KeyManagementServiceStub(grpc.insecure_channel(f"unix://{p.socket}"))
        enc = v2.Encrypt(pb["kms.v2.api_pb2"].EncryptRequest(plaintext=b"dek-bytes", uid="1"), timeout=20)
        dec = v2.Decrypt(pb["kms.v2.api_pb2"].DecryptRequest(ciphertext=enc.ciphertext, key_id=enc.key_id,
                                                             annotations=enc.annotations, uid="2"), timeout=20)
        assert dec.plaintext == b"dek-bytes"
    finally:
        assert p.stop() == 0


def test_an_unregistered_certificate_is_refused_with_aadsts700027(pb, plugin_binary, started, tmp_path):
    emu, version = started
    pem, _ = make_p12(tmp_path, "registered")
    _, other = make_p12(tmp_path, "other")
    sp = admin(emu, "POST", "/_kmslab/identity/service-principals", {"certificate": pem})
    p = cert_plugin(plugin_binary, tmp_path / "cert", emu, version, sp["appId"], other).start()
    try:
        assert "AADSTS700027" in status_of(pb, p)
    finally:
        assert p.stop() == 0


def test_a_wrong_password_or_a_malformed_file_stops_the_plugin_at_startup(plugin_binary, started, tmp_path):
    emu, version = started
    _, p12 = make_p12(tmp_path, "plugin")
    junk = tmp_path / "junk.p12"
    junk.write_bytes(b"\x30\x03not pkcs12")
    for name, path, password, why in (("wrong", p12, "not-it", "the password is wrong"),
                                      ("junk", junk, PASSWORD, "the file is not PKCS#12")):
        p = cert_plugin(plugin_binary, tmp_path / name, emu, version, "app", path, password).start(wait=False)
        assert p.proc.wait(timeout=30) != 0
        p.log_file.close()
        log = p.log.read_text()
        assert "failed to decode the client certificate: " + why in log, log
        assert password not in log
