"""Who may use a vault, from where (issue #4 items 3-5; seed P1-P4, R3-R5): the unmodified Python
SDK against vaults made through ARM, over a matrix of access model (access policy, RBAC) x caller
(granted, not granted) x place (an allowed address, a blocked address, a subnet with an approved
private endpoint). Different loopback addresses stand for different machines: the SDK's
connections are bound to 127.0.0.x, and `--subnet` puts 127.0.1.0/24 in a virtual subnet."""
import base64
import json
import socket
import ssl
import urllib.request
import uuid

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.transport import RequestsTransport
from azure.identity import ClientSecretCredential
from azure.keyvault.keys import KeyClient
from azure.keyvault.keys.crypto import CryptographyClient, EncryptionAlgorithm
from requests.adapters import HTTPAdapter

from keyvault_support import TENANT, _localhost_getaddrinfo
from kmslab_harness import Emulator, wait_for

SUB = "3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"  # the emulator's default subscription
RG = "matrix"
SUBNET = (f"/subscriptions/{SUB}/resourceGroups/net/providers/Microsoft.Network/"
          "virtualNetworks/vnet1/subnets/aks")
ALLOWED, BLOCKED, PRIVATE = "127.0.0.2", "127.0.0.3", "127.0.1.5"
CRYPTO_OFFICER = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"


class SourceAddressAdapter(HTTPAdapter):
    """Connections from a chosen loopback address: a different machine, as the vault sees it."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address):
    s = requests.Session()
    s.mount("https://", SourceAddressAdapter(address))
    return s


def oid_of(credential, scope):
    payload = credential.get_token(scope).token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["oid"]


class Arm:
    """Raw ARM calls on the emulator's own host, as a deployment script would make them."""

    def __init__(self, emu):
        self.base = f"https://127.0.0.1:{emu.port()}"
        cred = ClientSecretCredential(TENANT, "matrix-admin", "s")
        self.token = cred.get_token("https://management.azure.com/.default").token
        self.ca = emu.ca

    def put(self, path, api_version, body):
        r = requests.put(f"{self.base}{path}?api-version={api_version}", json=body,
                         headers={"Authorization": f"Bearer {self.token}"}, verify=self.ca)
        assert r.status_code in (200, 201, 202), r.text
        return r.json() if r.content else None

    def get(self, path, api_version):
        r = requests.get(f"{self.base}{path}?api-version={api_version}",
                         headers={"Authorization": f"Bearer {self.token}"}, verify=self.ca)
        return r.status_code, (r.json() if r.content else None)

    def vault(self, name, **properties):
        path = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/{name}"
        props = {"tenantId": TENANT, "sku": {"family": "A", "name": "standard"},
                 "accessPolicies": [], **properties}
        self.put(path, "2023-07-01", {"location": "eastus", "properties": props})
        wait_for(lambda: self.get(path, "2023-07-01")[1]["properties"].get("provisioningState")
                 == "Succeeded", f"vault {name} provisioned")
        return path

    def private_endpoint(self, name, vault_id):
        self.put(f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/"
                 f"privateEndpoints/{name}", "2022-07-01",
                 {"location": "eastus", "properties": {
                     "subnet": {"id": SUBNET},
                     "privateLinkServiceConnections": [{"name": name, "properties": {
                         "privateLinkServiceId": vault_id, "groupIds": ["vault"]}}]}})

    def assign(self, scope, role, principal):
        self.put(f"{scope}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}",
                 "2022-04-01",
                 {"properties": {"roleDefinitionId": f"/subscriptions/{SUB}/providers/"
                                 f"Microsoft.Authorization/roleDefinitions/{role}",
                                 "principalId": principal, "principalType": "ServicePrincipal"}})


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    binary = request.config.getoption("--emulator")
    emu = Emulator(binary, tmp_path_factory.mktemp("matrix") / "data",
                   ["--subnet", f"127.0.1.0/24={SUBNET}"]).start()
    mp = pytest.MonkeyPatch()
    mp.setenv("REQUESTS_CA_BUNDLE", emu.ca)
    mp.setenv("SSL_CERT_FILE", emu.ca)
    mp.setattr(socket, "getaddrinfo", _localhost_getaddrinfo)
    # Sign-in goes to login.microsoftonline.com through the proxy; vaults and ARM are reached
    # directly (*.vault.localhost, 127.0.0.1) from the bound source addresses.
    mp.setenv("HTTPS_PROXY", emu.proxy)
    mp.setenv("NO_PROXY", ".localhost,127.0.0.1")
    granted = ClientSecretCredential(TENANT, "matrix-granted", "s")
    missing = ClientSecretCredential(TENANT, "matrix-missing", "s")
    granted_oid = oid_of(granted, "https://vault.azure.net/.default")
    arm = Arm(emu)
    arm.put(f"/subscriptions/{SUB}/resourcegroups/{RG}", "2021-04-01", {"location": "eastus"})
    firewall = {"bypass": "None", "defaultAction": "Deny", "ipRules": [{"value": ALLOWED}]}
    vaults = {
        "policy": arm.vault("mxpolicy", networkAcls=firewall, accessPolicies=[{
            "tenantId": TENANT, "objectId": granted_oid,
            "permissions": {"keys": ["get", "create", "encrypt", "decrypt"]}}]),
        "rbac": arm.vault("mxrbac", networkAcls=firewall, enableRbacAuthorization=True),
        "private": arm.vault("mxprivate", publicNetworkAccess="Disabled", accessPolicies=[{
            "tenantId": TENANT, "objectId": granted_oid, "permissions": {"keys": ["all"]}}]),
    }
    arm.assign(vaults["rbac"], CRYPTO_OFFICER, granted_oid)
    for model, vault_id in vaults.items():
        arm.private_endpoint(f"pe-{model}", vault_id)
    yield {"emu": emu, "granted": granted, "missing": missing, "arm": arm, "vaults": vaults}
    mp.undo()
    assert emu.stop() == 0


def key_client(world, vault, credential, address):
    url = f"https://{vault}.vault.localhost:{world['emu'].port()}"
    return KeyClient(url, credential, transport=RequestsTransport(session=session_from(address)))


def error_of(e):
    return json.loads(e.value.response.text())["error"]


def inner_code(e):
    return error_of(e).get("innererror", {}).get("code")


@pytest.fixture(scope="module")
def keys(world):
    """One key per vault, created by the granted caller from a place each vault admits."""
    made = {}
    for model, vault in [("policy", "mxpolicy"), ("rbac", "mxrbac"), ("private", "mxprivate")]:
        place = PRIVATE if model == "private" else ALLOWED
        made[model] = key_client(world, vault, world["granted"], place).create_rsa_key("k1")
    return made


@pytest.mark.parametrize("model,vault", [("policy", "mxpolicy"), ("rbac", "mxrbac")])
@pytest.mark.parametrize("who", ["granted", "missing"])
@pytest.mark.parametrize("place", [ALLOWED, BLOCKED, PRIVATE])
def test_matrix(world, keys, model, vault, who, place):
    client = key_client(world, vault, world[who], place)
    crypto = CryptographyClient(keys[model].id, world[who],
                                transport=RequestsTransport(session=session_from(place)))
    if place == BLOCKED:
        # The network is judged before authorisation: granted or not, the firewall says no.
        with pytest.raises(HttpResponseError) as e:
            client.get_key("k1")
        assert e.value.status_code == 403 and inner_code(e) == "ForbiddenByFirewall"
        message = error_of(e)["message"]
        assert f"Client address: {BLOCKED}\r\n" in message
        assert f"Vault: {vault};location=eastus" in message
        return
    if who == "granted":
        assert client.get_key("k1").id == keys[model].id
        result = crypto.encrypt(EncryptionAlgorithm.rsa_oaep_256, b"matrix")
        assert crypto.decrypt(EncryptionAlgorithm.rsa_oaep_256,
                              result.ciphertext).plaintext == b"matrix"
        return
    with pytest.raises(HttpResponseError) as e:
        crypto.decrypt(EncryptionAlgorithm.rsa_oaep_256, b"\0" * 256)
    assert e.value.status_code == 403
    assert inner_code(e) == ("AccessDenied" if model == "policy" else "ForbiddenByRbac")


def test_access_policy_grants_only_listed_permissions(world, keys):
    client = key_client(world, "mxpolicy", world["granted"], ALLOWED)
    with pytest.raises(HttpResponseError) as e:
        client.begin_delete_key("k1")
    assert e.value.status_code == 403 and inner_code(e) == "AccessDenied"
    assert "does not have keys delete permission on key vault 'mxpolicy;location=eastus'" in \
        error_of(e)["message"]
    assert client.get_key("k1").properties.enabled, "a refused delete changes nothing"


def test_public_access_disabled_admits_only_the_private_link(world, keys):
    outside = key_client(world, "mxprivate", world["granted"], ALLOWED)
    with pytest.raises(HttpResponseError) as e:
        outside.get_key("k1")
    assert e.value.status_code == 403 and inner_code(e) == "ForbiddenByConnection"
    assert error_of(e)["message"] == (
        "Public network access is disabled and request is not from a trusted service nor via "
        "an approved private link.")
    inside = key_client(world, "mxprivate", world["granted"], PRIVATE)
    assert inside.get_key("k1").name == "k1"


def test_unauthenticated_requests_get_the_challenge_before_any_network_rule(world):
    ctx = ssl.create_default_context(cafile=world["emu"].ca)
    host = f"mxprivate.vault.localhost:{world['emu'].port()}"
    req = urllib.request.Request(f"https://{host}/keys?api-version=7.4")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, context=ctx)
    assert e.value.code == 401
    assert "resource=" in e.value.headers["WWW-Authenticate"]


def test_role_assignment_takes_effect_without_restart(world, keys):
    client = key_client(world, "mxrbac", world["missing"], ALLOWED)
    with pytest.raises(HttpResponseError):
        client.get_key("k1")
    world["arm"].assign(world["vaults"]["rbac"] + "/keys/k1",
                        "12338af0-0e69-4776-bea7-57ae8d297424",  # Key Vault Crypto User
                        oid_of(world["missing"], "https://vault.azure.net/.default"))
    assert client.get_key("k1").name == "k1"
    with pytest.raises(HttpResponseError) as e:
        client.create_rsa_key("k2")  # Crypto User cannot create, and the scope is one key
    assert inner_code(e) == "ForbiddenByRbac"


def test_managed_identity_with_a_role_uses_the_vault_through_imds(world, keys, monkeypatch):
    """An identity made through ARM, given Key Vault Crypto Service Encryption User on the RBAC
    vault, gets its token from IMDS with the unmodified ManagedIdentityCredential (the KMS
    plugin's path): unwrapKey works, decrypt does not."""
    from azure.identity import ManagedIdentityCredential
    from azure.keyvault.keys.crypto import KeyWrapAlgorithm
    arm = world["arm"]
    mi = arm.put(f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/"
                 "Microsoft.ManagedIdentity/userAssignedIdentities/matrix-mi",
                 "2023-01-31", {"location": "eastus"})
    arm.assign(world["vaults"]["rbac"], "e147488a-f6f5-4113-8e2d-b22465e65bf6",
               mi["properties"]["principalId"])
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", world["emu"].endpoints["imds"])
    credential = ManagedIdentityCredential(client_id=mi["properties"]["clientId"])
    crypto = CryptographyClient(keys["rbac"].id, credential,
                                transport=RequestsTransport(session=session_from(ALLOWED)))
    wrapped = crypto.wrap_key(KeyWrapAlgorithm.rsa_oaep_256, b"k" * 32)
    assert crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, wrapped.encrypted_key).key == b"k" * 32
    with pytest.raises(HttpResponseError) as e:
        crypto.decrypt(EncryptionAlgorithm.rsa_oaep_256, wrapped.encrypted_key)
    assert inner_code(e) == "ForbiddenByRbac"
    assert f"oid={mi['properties']['principalId']}" in error_of(e)["message"]
    assert "Action: 'Microsoft.KeyVault/vaults/keys/decrypt/action'" in error_of(e)["message"]
