"""A secret written through kubectl ends up in storage encrypted under the vault's key, through the
real chain: kubectl -> kmslab-apiserver (KMS v2 or v1 EncryptionConfiguration on the plugin's
socket) -> kmslab-kms-plugin -> Key Vault (kmslab-emulator). The stored value is then taken apart
here, independently of the apiserver: its EncryptedObject (proto/kms/v2/encrypted_object.proto,
python protobuf) or v1 envelope (reference/kms.md §3.1, §4.1), and its encrypted DEK decrypts
through Key Vault's decrypt API with the vault key, and not with another key (seed F1, F4)."""
import base64
import importlib
import json
import os
import shutil
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from conftest import load_apiserver_support
from keyvault_support import START, VAULT, Vault
from kmslab_harness import Emulator
from plugin_support import REPO, TENANT, Plugin

PROVIDER = "azurekmsprovider"  # upstream's e2e name (reference/kms.md §7.6)
KEY = "/registry/secrets/default/db-password"


@pytest.fixture(scope="module")
def encrypted_object(tmp_path_factory):
    out = tmp_path_factory.mktemp("eo")
    subprocess.run(["protoc", "-I", str(REPO / "proto"), f"--python_out={out}", "kms/v2/encrypted_object.proto"],
                   check=True)
    for pkg in ("kms", "kms/v2"):
        (out / pkg / "__init__.py").touch()
    sys.path.insert(0, str(out))
    return importlib.import_module("kms.v2.encrypted_object_pb2")


@pytest.fixture
def world(binaries, tmp_path):
    if shutil.which("kubectl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("kubectl is required under CI=true")
        pytest.skip("kubectl is not on PATH")
    emu = Emulator(binaries["emulator"], tmp_path / "emu", ["--clock", "manual", "--clock-start", START,
                                                           "--vault", VAULT]).start()
    vault = Vault(emu)
    versions = {}
    for name in ("kek", "other"):
        status, _, key = vault.request("POST", f"/keys/{name}/create?api-version=7.4", {"kty": "RSA", "key_size": 2048})
        assert status == 200, key
        versions[name] = key["key"]["kid"].rsplit("/", 1)[1]
    started = []
    yield {"emu": emu, "vault": vault, "versions": versions, "dir": tmp_path, "started": started}
    for proc in reversed(started):
        proc.stop()
    assert emu.stop() == 0


def start_chain(binaries, world, api_version, azure, kubernetes_version="1.32.0"):
    emu, tmp = world["emu"], world["dir"]
    extra = ["--imds-endpoint", emu.endpoints["imds"]]
    plugin = Plugin(binaries["kms-plugin"], tmp, emu, world["versions"]["kek"], azure=azure, extra=extra).start()
    world["started"].append(plugin)
    kms = {"apiVersion": api_version, "name": PROVIDER, "endpoint": f"unix://{plugin.socket}", "timeout": "10s"}
    if api_version == "v1":
        kms["cachesize"] = 1000
    config = tmp / "encryption-config.json"
    config.write_text(json.dumps({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
                                  "resources": [{"resources": ["secrets"],
                                                 "providers": [{"kms": kms}, {"identity": {}}]}]}))
    Apiserver = load_apiserver_support().Apiserver
    server = Apiserver(binaries["apiserver"], tmp / "apiserver",
                       ["--encryption-provider-config", str(config), "--kubernetes-version", kubernetes_version]).start()
    world["started"].append(server)
    server.kubectl("create", "secret", "generic", "db-password", "--from-literal=password=hunter2")
    got = server.kubectl_json("get", "secret", "db-password")
    assert base64.b64decode(got["data"]["password"]) == b"hunter2"
    return plugin, server


def kv_decrypt(world, key, alg, value):
    return world["vault"].request("POST", f"/keys/{key}/{world['versions'][key]}/decrypt?api-version=7.4",
                                  {"alg": alg, "value": value})


def test_kms_v2_secret_is_under_the_vault_key(binaries, world, encrypted_object):
    plugin, server = start_chain(binaries, world, "v2", None)  # client secret
    raw = server.raw_value(KEY)
    prefix = f"k8s:enc:kms:v2:{PROVIDER}:".encode()
    assert raw.startswith(prefix), raw[:64]
    eo = encrypted_object.EncryptedObject()
    eo.ParseFromString(raw[len(prefix):])
    assert eo.keyID == plugin.key_id  # sha256 hex of the key URL (reference §7.3)
    assert eo.annotations["version.azure.akv.io"] == b"1"
    assert eo.annotations["algorithm.azure.akv.io"] == b"RSA-OAEP-256"
    assert eo.encryptedDEKSourceType == encrypted_object.HKDF_SHA256_XNONCE_AES_GCM_SEED
    assert b"hunter2" not in raw and eo.encryptedData
    # The plugin's ciphertext is Key Vault's base64url text: the vault key opens it, another does not.
    status, _, seed = kv_decrypt(world, "kek", "RSA-OAEP-256", eo.encryptedDEKSource.decode())
    assert status == 200, seed
    assert len(base64.urlsafe_b64decode(seed["value"] + "==")) == 32  # the DEK seed
    status, _, refused = kv_decrypt(world, "other", "RSA-OAEP-256", eo.encryptedDEKSource.decode())
    assert status != 200, refused


def test_kms_v1_secret_is_under_the_vault_key(binaries, world):
    """KMS v1 (its gate closed from 1.29, so the apiserver behaves as 1.28), managed identity via
    IMDS. The DEK opened by Key Vault then opens the stored object itself (AES-GCM, AAD = key)."""
    status, _, mi = world["emu"].curl("/_kmslab/identity/managed-identities", "-H", "Content-Type: application/json",
                                      "-d", json.dumps({"name": "kms-mi", "resourceGroup": "rg"}))
    assert status == 201, mi
    azure = {"useManagedIdentityExtension": True, "userAssignedIdentityID": json.loads(mi)["properties"]["clientId"]}
    _, server = start_chain(binaries, world, "v1", azure, kubernetes_version="1.28.0")
    raw = server.raw_value(KEY)
    prefix = f"k8s:enc:kms:v1:{PROVIDER}:".encode()
    assert raw.startswith(prefix), raw[:64]
    body = raw[len(prefix):]
    n = int.from_bytes(body[:2], "big")
    edek, payload = body[2:2 + n], body[2 + n:]
    status, _, dek = kv_decrypt(world, "kek", "RSA1_5", edek.decode())
    assert status == 200, dek
    dek = base64.urlsafe_b64decode(dek["value"] + "==")
    assert len(dek) == 32
    stored = AESGCM(dek).decrypt(payload[:12], payload[12:], KEY.encode())
    # kube-apiserver's storage form: k8s\0 + runtime.Unknown protobuf, data values as raw bytes.
    assert stored.startswith(b"k8s\x00") and b"db-password" in stored and b"hunter2" in stored
    status, _, refused = kv_decrypt(world, "other", "RSA1_5", edek.decode())
    assert status != 200, refused
