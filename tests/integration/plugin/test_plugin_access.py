"""Who the plugin is and where it stands, as the vault sees it: client secret and IMDS managed
identity from azure.json, access policy and RBAC refusals, the firewall judging the plugin's bound
source address through the CONNECT proxy, public access disabled (seed P3, P4, L3; reference §7.2).
Vaults are made through ARM as tests/integration/test_access_matrix.py makes them."""
import json
import socket
import urllib.request

import grpc
import pytest
from azure.core.pipeline.transport import RequestsTransport
from azure.identity import ClientSecretCredential
from azure.keyvault.keys import KeyClient

from kmslab_harness import Emulator
from keyvault_support import TENANT, _localhost_getaddrinfo
from plugin_support import Plugin
from test_access_matrix import Arm, oid_of, session_from

ALLOWED, BLOCKED = "127.0.0.2", "127.0.0.3"
SECRET = "s3cret-value"
VAULT_SCOPE = "https://vault.azure.net/.default"


@pytest.fixture(scope="module")
def world(emulator_binary, tmp_path_factory):
    emu = Emulator(emulator_binary, tmp_path_factory.mktemp("access") / "data").start()
    mp = pytest.MonkeyPatch()
    mp.setenv("REQUESTS_CA_BUNDLE", emu.ca)
    mp.setenv("SSL_CERT_FILE", emu.ca)
    mp.setenv("HTTPS_PROXY", emu.proxy)
    # The SDK that makes the keys reaches *.vault.localhost directly from a bound address; the
    # plugin goes through the proxy to *.vault.azure.net, as it would in a cluster.
    mp.setenv("NO_PROXY", ".localhost,127.0.0.1")
    mp.setattr(socket, "getaddrinfo", _localhost_getaddrinfo)
    arm = Arm(emu)
    arm.put(f"/subscriptions/{'3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e'}/resourcegroups/matrix", "2021-04-01",
            {"location": "eastus"})
    plugin_cred = ClientSecretCredential(TENANT, "plugin-app", SECRET)
    plugin_oid = oid_of(plugin_cred, VAULT_SCOPE)
    mi = admin(emu, "POST", "/_kmslab/identity/managed-identities", {"name": "kms-mi", "resourceGroup": "matrix"})
    firewall = {"bypass": "None", "defaultAction": "Deny", "ipRules": [{"value": ALLOWED}]}
    perms = {"keys": ["get", "create", "encrypt", "decrypt"]}
    policies = [{"tenantId": TENANT, "objectId": oid, "permissions": perms}
                for oid in (plugin_oid, mi["properties"]["principalId"])]
    arm.vault("kmsfw", networkAcls=firewall, accessPolicies=policies)
    arm.vault("kmsrbac", enableRbacAuthorization=True)
    arm.vault("kmsprivate", publicNetworkAccess="Disabled", accessPolicies=policies)
    versions = {}
    for vault in ("kmsfw", "kmsrbac", "kmsprivate"):
        # The plugin's own identity creates the key from the allowed address (RBAC: the admin).
        cred = plugin_cred if vault != "kmsrbac" else ClientSecretCredential(TENANT, "matrix-admin", "s")
        if vault == "kmsrbac":
            arm.assign(f"/subscriptions/3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e/resourceGroups/matrix/providers/"
                       f"Microsoft.KeyVault/vaults/{vault}", "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
                       oid_of(cred, VAULT_SCOPE))
        if vault == "kmsprivate":
            continue  # no one reaches it publicly; the plugin's refusal is what is tested
        client = KeyClient(f"https://{vault}.vault.localhost:{emu.port()}", cred,
                           transport=RequestsTransport(session=session_from(ALLOWED)))
        versions[vault] = client.create_rsa_key("kek", size=2048).properties.version
    versions["kmsprivate"] = "0" * 32
    yield {"emu": emu, "versions": versions, "mi": mi}
    mp.undo()
    assert emu.stop() == 0


def admin(emu, method, path, body):
    import ssl
    ctx = ssl.create_default_context(cafile=emu.ca)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ctx))
    req = urllib.request.Request(emu.url + path, method=method, data=json.dumps(body).encode())
    with opener.open(req, timeout=20) as resp:
        return json.loads(resp.read())


def status_of(pb, plugin):
    channel = grpc.insecure_channel(f"unix://{plugin.socket}")
    v2 = pb["kms.v2.api_pb2_grpc"].KeyManagementServiceStub(channel)
    try:
        return v2.Status(pb["kms.v2.api_pb2"].StatusRequest(), timeout=20).healthz
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.UNKNOWN, e
        return e.details()


def run_plugin(pb, plugin_binary, tmp_path, world, vault, source, azure=None):
    p = Plugin(plugin_binary, tmp_path, world["emu"], world["versions"][vault], vault=vault,
               azure=azure or {"tenantId": TENANT, "aadClientId": "plugin-app", "aadClientSecret": SECRET},
               extra=["--source-address", source, "--imds-endpoint", world["emu"].endpoints["imds"]])
    p.start()
    try:
        return status_of(pb, p)
    finally:
        assert p.stop() == 0


def test_client_secret_from_the_allowed_address(pb, plugin_binary, tmp_path, world):
    assert run_plugin(pb, plugin_binary, tmp_path, world, "kmsfw", ALLOWED) == "ok"


def test_managed_identity_through_imds(pb, plugin_binary, tmp_path, world):
    azure = {"useManagedIdentityExtension": True,
             "userAssignedIdentityID": world["mi"]["properties"]["clientId"]}
    assert run_plugin(pb, plugin_binary, tmp_path, world, "kmsfw", ALLOWED, azure) == "ok"


def test_firewall_blocks_the_plugins_source_address(pb, plugin_binary, tmp_path, world):
    text = run_plugin(pb, plugin_binary, tmp_path, world, "kmsfw", BLOCKED)
    assert "StatusCode=403" in text and 'Code="Forbidden"' in text and "ForbiddenByFirewall" in text, text
    assert BLOCKED in text, text


def test_identity_without_permission(pb, plugin_binary, tmp_path, world):
    other = {"tenantId": TENANT, "aadClientId": "plugin-nobody", "aadClientSecret": "x"}
    text = run_plugin(pb, plugin_binary, tmp_path, world, "kmsfw", ALLOWED, other)
    assert "StatusCode=403" in text and "AccessDenied" in text, text
    text = run_plugin(pb, plugin_binary, tmp_path, world, "kmsrbac", ALLOWED)
    assert "StatusCode=403" in text and "ForbiddenByRbac" in text, text


def test_public_access_disabled(pb, plugin_binary, tmp_path, world):
    text = run_plugin(pb, plugin_binary, tmp_path, world, "kmsprivate", ALLOWED)
    assert "StatusCode=403" in text and "ForbiddenByConnection" in text, text
