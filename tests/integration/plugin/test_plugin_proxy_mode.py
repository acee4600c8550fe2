"""--proxy-mode (reference/kms.md §7.1, §7.3; upstream pkg/plugin/keyvault.go getProxiedVaultURL,
pkg/auth/auth.go addTargetTypeHeader): every Key Vault call goes to
http://<proxy-address>:<proxy-port>/<vault host>/... with x-azure-proxy-target: KeyVault, and the
client-secret token request to http://<proxy>/<tenant>/oauth2/token?api-version=1.0 (adal's v1
endpoint under the proxy) with x-azure-proxy-target: AzureActiveDirectory. IMDS is not proxied
(upstream's managed identity path adds no header and dials IMDS itself). The proxy
(azure_proxy.py) forwards only requests that carry the header."""
import json
import urllib.error
import urllib.request

import grpc
import pytest

from azure_proxy import AzureProxy
from keyvault_support import VAULT
from plugin_support import TENANT, Plugin


@pytest.fixture
def world(emu_key):
    emu, version = emu_key
    with AzureProxy(emu) as proxy:
        yield emu, proxy, version


def start_plugin(plugin_binary, tmp_path, emu, proxy, version, azure=None):
    # No HTTPS_PROXY: the only way out is the proxy given by the flags.
    return Plugin(plugin_binary, tmp_path, emu, version, azure=azure, env={"HTTPS_PROXY": ""},
                  extra=["--proxy-mode", "--proxy-address", "127.0.0.1", "--proxy-port", str(proxy.port),
                         "--imds-endpoint", emu.endpoints["imds"]]).start()


def round_trips(pb, p):
    channel = grpc.insecure_channel(f"unix://{p.socket}")
    m2, m1 = pb["kms.v2.api_pb2"], pb["kms.v1beta1.api_pb2"]
    v2 = pb["kms.v2.api_pb2_grpc"].KeyManagementServiceStub(channel)
    v1 = pb["kms.v1beta1.api_pb2_grpc"].KeyManagementServiceStub(channel)
    st = v2.Status(m2.StatusRequest(), timeout=20)
    assert (st.healthz, st.key_id) == ("ok", p.key_id)
    enc = v2.Encrypt(m2.EncryptRequest(plaintext=b"proxied dek", uid="u1"), timeout=20)
    assert enc.key_id == p.key_id and enc.annotations["date.azure.akv.io"]
    dec = v2.Decrypt(m2.DecryptRequest(ciphertext=enc.ciphertext, key_id=enc.key_id, uid="u1",
                                       annotations=enc.annotations), timeout=20)
    assert dec.plaintext == b"proxied dek"
    c1 = v1.Encrypt(m1.EncryptRequest(version="v1beta1", plain=b"v1 dek"), timeout=20).cipher
    assert v1.Decrypt(m1.DecryptRequest(version="v1beta1", cipher=c1), timeout=20).plain == b"v1 dek"


def test_client_secret_token_and_vault_calls_go_through_the_proxy(pb, plugin_binary, tmp_path, world):
    emu, proxy, version = world
    p = start_plugin(plugin_binary, tmp_path, emu, proxy, version)
    try:
        round_trips(pb, p)
    finally:
        assert p.stop() == 0, p.log.read_text()
    seen = list(proxy.seen)
    tokens = [s for s in seen if s[0] == "AzureActiveDirectory"]
    vault = [s for s in seen if s[0] == "KeyVault"]
    assert [s[0] for s in seen if s[0] not in ("AzureActiveDirectory", "KeyVault")] == []
    assert seen[0][0] == "AzureActiveDirectory"  # the token comes first, as upstream fetches it
    assert tokens == [("AzureActiveDirectory", "POST", f"/{TENANT}/oauth2/token?api-version=1.0",
                       "login.microsoftonline.com")]
    assert len(vault) == 2 + 2 + 2  # Status (encrypt+decrypt), v2 pair, v1 pair
    for _, method, path, host in vault:
        assert method == "POST" and host == f"{VAULT}.vault.azure.net", path
        assert path.startswith(f"/{VAULT}.vault.azure.net/keys/kek/{version}/"), path
        assert path.endswith("crypt?api-version=2016-10-01"), path
    # The startup log names the proxied vault URL, as upstream's "using kms key" line does.
    assert f"http://127.0.0.1:{proxy.port}/{VAULT}.vault.azure.net/" in p.log.read_text()


def test_managed_identity_is_not_proxied(pb, plugin_binary, tmp_path, world):
    emu, proxy, version = world
    status, _, mi = emu.curl("/_kmslab/identity/managed-identities", "-H", "Content-Type: application/json",
                             "-d", json.dumps({"name": "kms-mi", "resourceGroup": "rg"}))
    assert status == 201, mi
    azure = {"useManagedIdentityExtension": True, "userAssignedIdentityID": json.loads(mi)["properties"]["clientId"]}
    p = start_plugin(plugin_binary, tmp_path, emu, proxy, version, azure=azure)
    try:
        round_trips(pb, p)
    finally:
        assert p.stop() == 0, p.log.read_text()
    assert set(proxy.targets()) == {"KeyVault"}


def test_the_proxy_refuses_a_request_without_the_header(world):
    """The check the tests above rely on can fail: no header, no forwarding."""
    emu, proxy, version = world
    req = urllib.request.Request(f"http://127.0.0.1:{proxy.port}/{VAULT}.vault.azure.net/keys/kek/{version}"
                                 "/encrypt?api-version=2016-10-01", data=b"{}", method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as e:
        opener.open(req, timeout=20)
    assert e.value.code == 400 and "x-azure-proxy-target" in json.loads(e.value.read())["error"]
    assert proxy.seen[-1][0] is None and proxy.seen[-1][3] is None
