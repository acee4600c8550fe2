"""az CLI 2.45 with a private key vault on a cluster whose apiserver and plugin really run
(--aks-control-planes=processes): the seed's R1-R6 (a vault with public access Disabled, the
identity's permissions granted first, Key Vault Contributor, then `az aks update ... Private
--azure-keyvault-kms-key-vault-resource-id ID`) and M1 (another vault of another mode directly;
then the documented change of the attached vault's mode: disable KMS, `az keyvault update
--public-network-access`, enable with the new ids), each checked in the stored bytes and in the
vaults' AuditEvent logs, whose caller addresses show that the vault's network settings applied
to the plugin's own traffic.

One cluster for the module. Debian's az 2.45 (api-version 2022-11-01) cannot express API Server
VNet Integration (aks.md §1.3, §6.6), so the cluster is created with `az rest`, sending the PUT a
newer az (>= 2.73, `az aks create --enable-apiserver-vnet-integration`) sends, at 2025-10-01, the
newest managedClusters api-version the emulator serves; `az aks wait --created` then polls it."""
import ipaddress
import json
import subprocess
import uuid

import pytest

from arm_support import GROUP, SUBSCRIPTION, emulator_fixture
from test_az_aks import kms_flags, new_key, rest
from test_az_aks_processes import kube, kube_eventually, replace_all_secrets, stored

NAME = "priv"
RG = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}"
CLUSTER_URL = f"{RG}/providers/Microsoft.ContainerService/managedClusters/{NAME}"
KEY_VAULT_CONTRIBUTOR = (f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/"
                         "roleDefinitions/f25e0fa2-a7c8-4377-a976-54943a77a395")


@pytest.fixture(scope="module")
def emu(request, tmp_path_factory):
    yield from emulator_fixture(request, tmp_path_factory, "aks-private", [])


def vault_with_key(az, name, principal):
    """A public vault with one key and the identity's encrypt/decrypt granted (R4: first)."""
    vault = az.json("keyvault", "create", "-g", GROUP, "-n", name, "-l", "eastus")
    az.ok("keyvault", "set-policy", "-n", name, "--object-id", principal,
          "--key-permissions", "decrypt", "encrypt")
    return {"name": name, "id": vault["id"], "key": new_key(az, name, "kek")}


def grant_contributor(az, vault_id, principal):  # R5, az's request (az role assignment is broken)
    rest(az, "put", f"{az.emu.url}{vault_id}/providers/Microsoft.Authorization/roleAssignments/"
         f"{uuid.uuid4()}?api-version=2020-04-01-preview",
         {"properties": {"roleDefinitionId": KEY_VAULT_CONTRIBUTOR, "principalId": principal,
                         "principalType": "ServicePrincipal"}})


@pytest.fixture(scope="module")
def world(az, tmp_path_factory):
    ident = az.json("identity", "create", "-g", GROUP, "-n", "id-priv")
    # R3: keys cannot be made in a vault without public access from outside its private
    # endpoint, so the key is made first and public access turned off after.
    vault = vault_with_key(az, "kv-priv", ident["principalId"])
    az.ok("keyvault", "update", "-n", "kv-priv", "--public-network-access", "Disabled")
    grant_contributor(az, vault["id"], ident["principalId"])
    return {"identity": ident, "priv": vault,
            "kubeconfig": tmp_path_factory.mktemp("priv") / "kubeconfig"}


def create_vnet_integrated_cluster(az, identity_id):
    """What az >= 2.73's `az aks create --enable-apiserver-vnet-integration --assign-identity
    ID --no-ssh-key` PUTs (its 2.45 body, aks.md §3.2, plus apiServerAccessProfile)."""
    body = {"location": "eastus",
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity_id: {}}},
            "properties": {
                "kubernetesVersion": "1.29.7", "dnsPrefix": f"{NAME}-{GROUP}-3b7c1d",
                "agentPoolProfiles": [{"count": 1, "vmSize": "Standard_DS2_v2", "osType": "Linux",
                                       "type": "VirtualMachineScaleSets", "mode": "System",
                                       "name": "nodepool1"}],
                "enableRBAC": True,
                "apiServerAccessProfile": {"enableVnetIntegration": True},
                "networkProfile": {"networkPlugin": "kubenet", "outboundType": "loadBalancer",
                                   "loadBalancerSku": "standard"}}}
    rest(az, "put", f"{az.emu.url}{CLUSTER_URL}?api-version=2025-10-01", body)
    az.ok("aks", "wait", "-g", GROUP, "-n", NAME, "--created", "--interval", "1")


def audit(emu, vault, operation):
    status, _, body = emu.curl(f"/_kmslab/vaults/{vault}/audit-events?operation={operation}")
    assert status == 200, body
    return json.loads(body)["records"]


def subnet_range(emu, subnet_id):
    """The address range the emulator's subnet map gives `subnet_id` (the cluster's API server
    subnet with VNet Integration, aks/README.md)."""
    status, _, body = emu.curl("/_kmslab/network/subnets")
    assert status == 200, body
    ranges = [ipaddress.ip_network(s["range"]) for s in json.loads(body)
              if s["subnet"].lower() == subnet_id.lower()]
    assert len(ranges) == 1, body
    return ranges[0]


def plugin_calls(emu, vault, operation, subnet):
    """The vault's successful `operation` records, each from an address of `subnet`."""
    records = [r for r in audit(emu, vault, operation) if r["resultType"] == "Success"]
    assert records, f"no successful {operation} in {vault}'s AuditEvent log"
    for r in records:
        assert ipaddress.ip_address(r["callerIpAddress"]) in subnet, r
        # The plugin's User-Agent (Azure/kubernetes-kms adds "k8s-kms-keyvault").
        assert "k8s-kms-keyvault" in r["properties"]["clientInfo"], r
    return records


def show_kms(az):
    return az.json("aks", "show", "-g", GROUP, "-n", NAME, "--query",
                   "securityProfile.azureKeyVaultKms")


def private_endpoint_subnet(az, vault, node_rg):
    """R1: the vault's one connection names a private endpoint in the node resource group, for
    the vault; that endpoint's subnet."""
    conns = az.json("keyvault", "show", "-n", vault["name"], "--query",
                    "properties.privateEndpointConnections")
    assert len(conns) == 1, conns
    assert conns[0]["privateLinkServiceConnectionState"]["status"] == "Approved", conns
    pe_id = conns[0]["privateEndpoint"]["id"]
    assert f"/resourceGroups/{node_rg}/providers/Microsoft.Network/privateEndpoints/" in pe_id
    # `az network private-endpoint show` is broken in Debian's az 2.45 (its network module
    # fails loading: 'NoneType' object has no attribute 'standard_medium'): its GET by az rest.
    pe = rest(az, "get", f"{az.emu.url}{pe_id}?api-version=2022-07-01")
    assert pe["properties"]["privateLinkServiceConnections"][0]["properties"][
        "privateLinkServiceId"].lower() == vault["id"].lower()
    return pe["properties"]["subnet"]["id"]


def test_r6_private_vault_on_a_vnet_integrated_cluster(az, emu, world):  # R1-R6, N2
    create_vnet_integrated_cluster(az, world["identity"]["id"])
    assert az.json("aks", "show", "-g", GROUP, "-n", NAME, "--query",
                   "apiServerAccessProfile.enableVnetIntegration") is True
    # R3: from outside the private endpoint the vault refuses data-plane calls.
    refused = subprocess.run(
        ["/usr/bin/az", "rest", "--method", "post", "--url",
         "https://kv-priv.vault.azure.net/keys/kek/create?api-version=7.4",
         "--resource", "https://vault.azure.net", "--body", '{"kty":"RSA"}'],
        env={**az.env, "HTTPS_PROXY": emu.proxy, "NO_PROXY": "127.0.0.1,localhost"},
        capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "Forbidden" in refused.stderr, refused.stderr
    az.ok("aks", "update", "-g", GROUP, "-n", NAME,
          *kms_flags(world["priv"]["key"], "Private", world["priv"]["id"]))  # R6, verbatim
    assert show_kms(az) == {"enabled": True, "keyId": world["priv"]["key"],
                            "keyVaultNetworkAccess": "Private",
                            "keyVaultResourceId": world["priv"]["id"]}
    node_rg = world["node_rg"] = az.tsv("aks", "show", "-g", GROUP, "-n", NAME, "--query",
                                        "nodeResourceGroup")
    world["subnet"] = subnet_range(emu, private_endpoint_subnet(az, world["priv"], node_rg))

    az.ok("aks", "get-credentials", "-g", GROUP, "-n", NAME, "--file", str(world["kubeconfig"]))
    kube_eventually(emu, world, "create", "secret", "generic", "db", "--from-literal=pw=hunter2")
    raw = stored(emu, world, "db")
    assert raw.startswith(b"k8s:enc:kms:v2:azurekmsprovider:"), raw[:40]
    assert b"hunter2" not in raw
    # D1's check: VNet Integration, so no konnectivity-agent pod (N3).
    assert "konnectivity-agent" not in kube(emu, world, "get", "pods", "-n", "kube-system",
                                            "-o", "name")
    # The plugin's encrypt reached the private vault from the cluster's API server subnet, where
    # the test's own call (from 127.0.0.1, no private endpoint) was refused.
    plugin_calls(emu, "kv-priv", "KeyEncrypt", world["subnet"])
    [refused] = audit(emu, "kv-priv", "KeyCreate")[-1:]
    assert (refused["callerIpAddress"], refused["resultSignature"]) == ("127.0.0.1", "Forbidden")


def test_m1_switch_to_another_vault_of_another_mode_directly(az, emu, world):  # M1, P7
    pub = world["pub"] = vault_with_key(az, "kv-pub", world["identity"]["principalId"])
    az.ok("aks", "update", "-g", GROUP, "-n", NAME, *kms_flags(pub["key"]))  # Public, kv-pub
    kms = show_kms(az)
    assert (kms["keyId"], kms["keyVaultNetworkAccess"]) == (pub["key"], "Public"), kms
    kube_eventually(emu, world, "get", "secret", "db")
    replace_all_secrets(emu, world)
    raw = stored(emu, world, "db")
    assert raw.startswith(b"k8s:enc:kms:v2:azurekmsprovider-2:"), raw[:40]  # kv-pub's key
    assert kube(emu, world, "get", "secret", "db", "-o", "jsonpath={.data.pw}") == "aHVudGVyMg=="
    # The restarted apiserver read `db` through the private vault's key (the previous one, kept
    # for reading, P7), and wrote it through the public vault's: both from the API server subnet.
    plugin_calls(emu, "kv-priv", "KeyDecrypt", world["subnet"])
    plugin_calls(emu, "kv-pub", "KeyEncrypt", world["subnet"])


def change_attached_vault_mode(az, emu, world, public_access, kms_access):
    """M1's documented way for the attached vault kv-pub: disable KMS, rewrite the secrets
    (D2), `az keyvault update --public-network-access`, enable KMS with the new ids, rewrite
    again; `db` reads back, stored under kv-pub's key, and the plugin's successful encrypts in
    kv-pub's AuditEvent log grew, all from the cluster's API server subnet."""
    pub = world["pub"]
    az.ok("aks", "update", "-g", GROUP, "-n", NAME, "--disable-azure-keyvault-kms")
    kube_eventually(emu, world, "get", "secret", "db")
    replace_all_secrets(emu, world)
    assert stored(emu, world, "db").startswith(b"k8s\x00")  # unencrypted until enabled again
    az.ok("keyvault", "update", "-n", "kv-pub", "--public-network-access", public_access)
    assert az.tsv("keyvault", "show", "-n", "kv-pub", "--query",
                  "properties.publicNetworkAccess") == public_access
    encrypts = len(plugin_calls(emu, "kv-pub", "KeyEncrypt", world["subnet"]))
    az.ok("aks", "update", "-g", GROUP, "-n", NAME, *kms_flags(
        pub["key"], kms_access, pub["id"] if kms_access == "Private" else None))
    kms = show_kms(az)
    assert (kms["enabled"], kms["keyId"], kms["keyVaultNetworkAccess"]) == (
        True, pub["key"], kms_access), kms
    kube_eventually(emu, world, "get", "secret", "db")
    replace_all_secrets(emu, world)
    raw = stored(emu, world, "db")
    # The same key again is no rotation: its provider writes again, kv-priv's stays previous.
    assert raw.startswith(b"k8s:enc:kms:v2:azurekmsprovider-2:"), raw[:40]
    assert b"hunter2" not in raw
    assert kube(emu, world, "get", "secret", "db", "-o", "jsonpath={.data.pw}") == "aHVudGVyMg=="
    assert len(plugin_calls(emu, "kv-pub", "KeyEncrypt", world["subnet"])) > encrypts
    return kms


def test_m1_make_the_attached_vault_private(az, emu, world):  # M1, D2, R1, R5
    pub = world["pub"]  # L6 (no mode change while enabled) is test_az_aks.py's
    grant_contributor(az, pub["id"], world["identity"]["principalId"])  # R5, before the enable
    kms = change_attached_vault_mode(az, emu, world, "Disabled", "Private")
    assert kms["keyVaultResourceId"] == pub["id"]
    # R1 for kv-pub: its private endpoint sits in the same API server subnet.
    assert subnet_range(emu, private_endpoint_subnet(az, pub, world["node_rg"])) == world["subnet"]
    kms = rest(az, "get", f"{az.emu.url}{CLUSTER_URL}/detectors/"
               "azure-keyvault-kms-integration-issues?api-version=2025-10-01")["properties"][
                   "kmslab"]["kms"]
    assert (kms["currentKeyVersion"], kms["previousKeyVersion"]) == (
        pub["key"].rsplit("/", 1)[1], world["priv"]["key"].rsplit("/", 1)[1]), kms


def test_m1_make_the_attached_vault_public_again(az, emu, world):  # M1, D2
    kms = change_attached_vault_mode(az, emu, world, "Enabled", "Public")
    assert not kms["keyVaultResourceId"], kms  # az 2.45 sends "" with Public (aks.md §3.3)
