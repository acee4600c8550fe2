"""Issue #5 (security pass): with logging at its most verbose, no client secret, bearer token,
key material or plaintext may reach the log. One emulator runs a tour of every surface that
handles secrets (token endpoint, Key Vault import/encrypt/decrypt/wrap, ARM, the directory admin
API, IMDS, refused tokens); then the log is searched for each secret it saw."""
import base64
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request

from cryptography.hazmat.primitives.asymmetric import rsa

from keyvault_support import TENANT, Vault
from kmslab_harness import Emulator

SUB = "3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
SECRET = "client-secret-3f9c1b7e-never-logged"
PLAINTEXT = b"plaintext-2b7d4e91-never-logged"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_b64url(n):
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def call(url, ca, data=None, headers=None, method=None):
    ctx = ssl.create_default_context(cafile=ca) if url.startswith("https") else None
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, context=ctx) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def token(emu, scope):
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "log-tour",
                                   "client_secret": SECRET, "scope": scope}).encode()
    status, answer = call(f"https://127.0.0.1:{emu.port()}/{TENANT}/oauth2/v2.0/token", emu.ca,
                          body)
    assert status == 200, answer
    return answer["access_token"]


def test_nothing_secret_reaches_a_debug_log(emulator_binary, tmp_path):
    emu = Emulator(emulator_binary, tmp_path / "data",
                   ["--log-level", "debug", "--vault", "logvault"]).start()
    seen = [SECRET, PLAINTEXT.decode(), b64url(PLAINTEXT)]
    try:
        kv_token = token(emu, "https://vault.azure.net/.default")
        arm_token = token(emu, "https://management.azure.com/.default")
        seen += [kv_token, kv_token.split(".")[2], arm_token, arm_token.split(".")[2]]

        vault = Vault(emu, "logvault")
        vault.token = "Bearer " + kv_token
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_numbers()
        jwk = {"kty": "RSA", "n": int_b64url(private.public_numbers.n),
               "e": int_b64url(private.public_numbers.e), "d": int_b64url(private.d),
               "p": int_b64url(private.p), "q": int_b64url(private.q),
               "dp": int_b64url(private.dmp1), "dq": int_b64url(private.dmq1),
               "qi": int_b64url(private.iqmp)}
        seen += [jwk[k] for k in ("d", "p", "q", "dp", "dq", "qi")]
        status, _, body = vault.request("PUT", "/keys/imported?api-version=7.5", {"key": jwk})
        assert status == 200, body
        status, _, body = vault.request("POST", "/keys/imported/encrypt?api-version=7.5",
                                        {"alg": "RSA-OAEP-256", "value": b64url(PLAINTEXT)})
        assert status == 200, body
        status, _, body = vault.request("POST", "/keys/imported/decrypt?api-version=7.5",
                                        {"alg": "RSA-OAEP-256", "value": body["value"]})
        assert status == 200 and body["value"] == b64url(PLAINTEXT)
        cek = b"content-key-7a1e-never-logged-32"
        seen += [b64url(cek)]
        status, _, body = vault.request("POST", "/keys/imported/wrapkey?api-version=7.5",
                                        {"alg": "RSA-OAEP-256", "value": b64url(cek)})
        assert status == 200, body
        forged = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiJ4In0.forged-signature-never-logged"
        seen.append(forged.split(" ")[1])
        assert vault.request("GET", "/keys?api-version=7.5", token=forged)[0] == 401

        status, sp = call(f"{emu.url}/_kmslab/identity/service-principals", emu.ca,
                          json.dumps({"displayName": "log-tour"}).encode(),
                          {"Content-Type": "application/json"})
        assert status == 201, sp
        seen.append(sp["password"])

        identity = (f"{emu.url}/subscriptions/{SUB}/resourceGroups/kmslab/providers/"
                    "Microsoft.ManagedIdentity/userAssignedIdentities/log-mi?api-version=2023-01-31")
        status, mi = call(identity, emu.ca, json.dumps({"location": "eastus"}).encode(),
                          {"Authorization": "Bearer " + arm_token,
                           "Content-Type": "application/json"}, method="PUT")
        assert status in (200, 201), mi
        status, imds = call(f"{emu.endpoints['imds']}/metadata/identity/oauth2/token?api-version="
                            "2018-02-01&resource=https://vault.azure.net&client_id="
                            + mi["properties"]["clientId"], None, headers={"Metadata": "true"})
        assert status == 200, imds
        seen += [imds["access_token"], imds["access_token"].split(".")[2]]
        # The vault's AuditEvent log (issue #13 item 5) is searched with the log.
        status, _, audit = emu.curl("/_kmslab/audit-events")
        assert status == 200 and '"KeyDecrypt"' in audit, audit
    finally:
        assert emu.stop() == 0

    log = (tmp_path / "data" / "emulator.log").read_text() + audit
    # Every request of the tour is in the access log (the emulator logs no more than that even at
    # debug level today; the test keeps holding if it ever does).
    for route in ("keys.import", "keys.encrypt", "keys.decrypt", "keys.wrapkey"):
        assert f'"route":"{route}"' in log, route
    leaked = [s[:12] + "..." for s in seen if s in log]
    assert not leaked, f"secrets in the log: {leaked}"


# ---- kmslab-apiserver (issue #11): the same rule at --log-level debug, through writes under
# KMS v1, KMS v2 (the Base64 mock plugin, whose "ciphertext" is base64 of the key, so each DEK
# and seed can be read back out of the stored value) and aescbc.

import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402

SECRET_VALUE = "apiserver-secret-5e1d9a77-never-logged"
AESCBC_KEY = "bG9nLXNlY3JldHMtYWVzY2JjLWtleS0zMi1ieXRlcyE="  # 32 bytes


def varint(data, i):
    value = shift = 0
    while True:
        b = data[i]
        value |= (b & 0x7F) << shift
        i += 1
        if b < 0x80:
            return value, i
        shift += 7


def proto_fields(data):
    """{field number: bytes} of a protobuf message's length-delimited fields (EncryptedObject)."""
    fields, i = {}, 0
    while i < len(data):
        tag, i = varint(data, i)
        if tag & 7 == 2:
            n, i = varint(data, i)
            fields[tag >> 3], i = data[i:i + n], i + n
        elif tag & 7 == 0:
            _, i = varint(data, i)
        else:
            raise AssertionError(f"unexpected wire type in {data[:40]!r}")
    return fields


def key_material(stored):
    """The DEK (KMS v1) or seed (KMS v2) behind a stored value, through the Base64 mock."""
    if stored.startswith(b"k8s:enc:kms:v1:"):
        rest = stored[len(b"k8s:enc:kms:v1:logs:"):]
        edek = rest[2:2 + int.from_bytes(rest[:2], "big")]
    else:
        edek = proto_fields(stored[len(b"k8s:enc:kms:v2:logs:"):])[3]  # encryptedDEKSource
    return base64.b64decode(edek)


def apiserver_options(request):
    binary, mock = request.config.getoption("--apiserver"), request.config.getoption("--mock-plugin")
    if not binary or not mock or shutil.which("kubectl") is None:
        pytest.skip("needs --apiserver, --mock-plugin and kubectl")
    return os.path.abspath(binary), os.path.abspath(mock)


@pytest.mark.parametrize("mode", ["kms-v1", "kms-v2", "aescbc"])
def test_nothing_secret_reaches_an_apiserver_debug_log(request, tmp_path, mode):
    binary, mock = apiserver_options(request)
    socket = tmp_path / "kms.sock"
    plugin = None
    if mode.startswith("kms"):
        plugin = subprocess.Popen([mock, "--listen-addr", f"unix://{socket}", "--status-version",
                                   "v2beta1" if mode == "kms-v1" else "v2"], stdout=subprocess.PIPE, text=True)
        assert plugin.stdout.readline().strip() == "ready"
        provider = {"kms": {"apiVersion": mode[-2:], "name": "logs", "endpoint": f"unix://{socket}"}}
    else:
        provider = {"aescbc": {"keys": [{"name": "k1", "secret": AESCBC_KEY}]}}
    config = tmp_path / "enc.json"
    config.write_text(json.dumps({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
                                  "resources": [{"resources": ["secrets"], "providers": [provider]}]}))
    data = tmp_path / "data"
    version = "1.28.0" if mode == "kms-v1" else "1.32.0"
    server = subprocess.Popen([binary, "--data-dir", str(data), "--secure-port", "0", "--log-level", "debug",
                               "--log-file", str(data / "apiserver.log"), "--kubernetes-version", version,
                               "--encryption-provider-config", str(config)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not (data / "kubeconfig").exists():
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "apiserver did not become ready"
            time.sleep(0.02)
        env = dict(os.environ, KUBECONFIG=str(data / "kubeconfig"), HOME=str(tmp_path))

        def kubectl(*args):
            out = subprocess.run(["kubectl", *args], env=env, capture_output=True, timeout=60)
            assert out.returncode == 0, out.stderr
            return out.stdout

        kubectl("create", "secret", "generic", "s1", f"--from-literal=a={SECRET_VALUE}")
        kubectl("create", "secret", "generic", "s2", f"--from-literal=a={SECRET_VALUE}-2")
        kubectl("get", "secrets", "-o", "json")
        kubectl("label", "secret", "s1", "x=y")
        stored = [kubectl("get", "--raw", f"/_kmslab/raw?key=/registry/secrets/default/{n}") for n in ("s1", "s2")]
    finally:
        server.terminate()
        server.wait(timeout=30)
        if plugin:
            plugin.terminate()
            plugin.wait(timeout=30)
    secrets = [SECRET_VALUE, base64.b64encode(SECRET_VALUE.encode()).decode(),
               (data / "token").read_text().strip()]
    if mode == "aescbc":
        secrets += [AESCBC_KEY, base64.b64decode(AESCBC_KEY).hex()]
    else:
        for value in stored:
            key = key_material(value)
            assert len(key) == 32, (mode, value[:40])  # a 32-byte DEK (v1) or seed (v2)
            secrets += [key.hex(), base64.b64encode(key).decode(), b64url(key)]
    log = (data / "apiserver.log").read_text(errors="replace")
    assert '"level":"debug"' in log or '"msg"' in log, "the debug log is empty"
    leaked = [s[:12] + "..." for s in secrets if s in log]
    assert not leaked, f"secrets in the {mode} log: {leaked}"
    if mode.startswith("kms"):  # every plugin call is logged: method, duration, status (issue #11)
        calls = [json.loads(line) for line in log.splitlines() if '"plugin call"' in line]
        service = "/v1beta1.KeyManagementService/" if mode == "kms-v1" else "/v2.KeyManagementService/"
        assert {c["method"] for c in calls} >= {service + "Encrypt"}, calls[:3]
        assert all(c["code"] == "OK" and c["provider"] == "logs" and c["seconds"] >= 0 for c in calls)
