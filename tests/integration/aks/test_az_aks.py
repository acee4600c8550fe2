"""az CLI 2.45 against the emulated AKS resource provider (ARM-only control planes): the seed's
P5, P6, P7, R6, M1, D1 (the table query verbatim), D2 and V3 commands, `az aks show --query
securityProfile.azureKeyVaultKms`, `az aks get-credentials`, the RP's validations as az prints
them, and the L8 scale to zero (`az rest`: Debian's az 2.45 lacks the compute models
`az vmss scale` needs, so the test sends its request).

Keys: Debian's `az keyvault key create` is broken (aks.md §6.4), so keys are created with
`az rest` through the emulator's CONNECT proxy (the vault's own host name). Role assignments:
`az role assignment` is broken in Debian's az (see ../arm/test_az_identity_roles.py), so the
Key Vault Contributor assignment goes through `az rest` with az's request."""
import base64
import json
import uuid

import pytest

from arm_support import GROUP, SUBSCRIPTION

RG = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}"
MC = "providers/Microsoft.ContainerService/managedClusters"


def rest(az, method, url, body=None, resource=None, proxy=False):
    args = ["rest", "--method", method, "--url", url]
    if body is not None:
        args += ["--body", json.dumps(body)]
    if resource:
        args += ["--resource", resource]
    saved = dict(az.env)
    if proxy:
        az.env.update({"HTTPS_PROXY": az.emu.proxy, "NO_PROXY": "127.0.0.1,localhost"})
    try:
        out = az.ok(*args)
    finally:
        az.env.clear()
        az.env.update(saved)
    return json.loads(out) if out.strip() else None


def new_key(az, vault, name):
    """A new version of key `name` in `vault` (RSA 2048, encrypt/decrypt); its kid."""
    return rest(az, "post", f"https://{vault}.vault.azure.net/keys/{name}/create?api-version=7.4",
                {"kty": "RSA", "key_size": 2048, "key_ops": ["encrypt", "decrypt"]},
                resource="https://vault.azure.net", proxy=True)["key"]["kid"]


def kms_flags(key, access="Public", rid=None):
    flags = ["--enable-azure-keyvault-kms", "--azure-keyvault-kms-key-id", key,
             "--azure-keyvault-kms-key-vault-network-access", access]
    return flags + (["--azure-keyvault-kms-key-vault-resource-id", rid] if rid else [])


@pytest.fixture(scope="module")
def world(az):
    ident = az.json("identity", "create", "-g", GROUP, "-n", "id-kms")
    vault = az.json("keyvault", "create", "-g", GROUP, "-n", "kv-aks", "-l", "eastus")
    az.ok("keyvault", "set-policy", "-n", "kv-aks", "--object-id", ident["principalId"],
          "--key-permissions", "decrypt", "encrypt")
    return {"identity": ident, "vault": vault, "key1": new_key(az, "kv-aks", "k1")}


def show_kms(az, name="c1"):
    return az.json("aks", "show", "-g", GROUP, "-n", name, "--query",
                   "securityProfile.azureKeyVaultKms")


def test_create_with_kms_public(az, world):  # P5
    az.ok("aks", "create", "-g", GROUP, "-n", "c1", "-l", "eastus", "--no-ssh-key",
          "--assign-identity", world["identity"]["id"], *kms_flags(world["key1"]))
    assert show_kms(az) == {"enabled": True, "keyId": world["key1"],
                            "keyVaultNetworkAccess": "Public", "keyVaultResourceId": None}
    assert az.tsv("aks", "show", "-g", GROUP, "-n", "c1", "--query",
                  "provisioningState") == "Succeeded"


def d1_table(az):
    """The seed's D1 query, verbatim: the table's header and rows, split into columns."""
    out = az.ok("aks", "list", "--query", "[].{Name:name, KmsEnabled:securityProfile."
                "azureKeyVaultKms.enabled, KeyId:securityProfile.azureKeyVaultKms.keyId}",
                "-o", "table")
    lines = out.strip().splitlines()
    return lines[0].split(), [line.split() for line in lines[2:]]


def test_list_table_shows_kms(az, world):  # D1, verbatim
    assert d1_table(az) == (["Name", "KmsEnabled", "KeyId"], [["c1", "True", world["key1"]]])


def test_get_credentials_names_the_fqdn(az, tmp_path):
    path = tmp_path / "kubeconfig"
    az.ok("aks", "get-credentials", "-g", GROUP, "-n", "c1", "--file", str(path))
    text = path.read_text()
    fqdn = az.tsv("aks", "show", "-g", GROUP, "-n", "c1", "--query", "fqdn")
    assert fqdn.endswith(".hcp.eastus.azmk8s.io")
    assert f"server: https://{fqdn}:443" in text
    assert "clusterUser_kmslab_c1" in text


def test_rotate_then_disable(az, world):  # P7, D2
    key2 = new_key(az, "kv-aks", "k1")
    assert key2 != world["key1"]
    az.ok("aks", "update", "-g", GROUP, "-n", "c1", *kms_flags(key2))
    assert show_kms(az)["keyId"] == key2  # the previous key stays internal (aks.md §1.6)
    az.ok("aks", "update", "-g", GROUP, "-n", "c1", "--disable-azure-keyvault-kms")
    kms = show_kms(az)
    assert kms["enabled"] is False and kms["keyId"] == key2


def test_upgrade_blocked_with_kms_v1_then_migration(az, world):  # V2, V3
    key3 = new_key(az, "kv-aks", "k1")
    az.ok("aks", "update", "-g", GROUP, "-n", "c1", *kms_flags(key3))  # 1.26: KMS v1
    err = az.fails("aks", "upgrade", "-g", GROUP, "-n", "c1", "--kubernetes-version", "1.27.1",
                   "--yes")
    assert "(ValidationError) Control Plane upgrade is blocked" in err
    az.ok("aks", "update", "-g", GROUP, "-n", "c1", "--disable-azure-keyvault-kms")
    az.ok("aks", "upgrade", "-g", GROUP, "-n", "c1", "--kubernetes-version", "1.27.1", "--yes")
    az.ok("aks", "update", "-g", GROUP, "-n", "c1", *kms_flags(key3))
    assert az.tsv("aks", "show", "-g", GROUP, "-n", "c1", "--query",
                  "currentKubernetesVersion") == "1.27.1"
    assert show_kms(az)["enabled"] is True


def test_system_assigned_identity_refused(az, world):  # L2, I5
    err = az.fails("aks", "create", "-g", GROUP, "-n", "c-sys", "-l", "eastus", "--no-ssh-key",
                   *kms_flags(world["key1"]))
    assert ("AzureKeyVaultKms feature does not support cluster identity type SystemAssigned, "
            "supported value is 'UserAssigned'") in err


def test_identity_without_permission_refused(az, world):  # I1
    other = az.json("identity", "create", "-g", GROUP, "-n", "id-noperm")
    err = az.fails("aks", "create", "-g", GROUP, "-n", "c-noperm", "-l", "eastus",
                   "--no-ssh-key", "--assign-identity", other["id"], *kms_flags(world["key1"]))
    assert ("(AzureKeyVaultKmsValidateIdentityPermissionCustomerError) The identity does not "
            "have keys encrypt/decrypt permission on key vault "
            "\"https://kv-aks.vault.azure.net\"") in err


def test_private_needs_vnet_integration_then_works(az, world):  # N2, L7, R1, R5, R6, M1
    vault_id = world["vault"]["id"]
    # M1: to another vault of another mode, directly; the attached vault's mode cannot change.
    err = az.fails("aks", "update", "-g", GROUP, "-n", "c1",
                   *kms_flags(show_kms(az)["keyId"], "Private", vault_id))
    assert "Vnet integration should be enabled when KeyVault network access is Private." in err
    url = f"{az.emu.url}{RG}/{MC}/c1?api-version=2025-07-01"
    cluster = rest(az, "get", url)
    cluster["properties"]["apiServerAccessProfile"] = {"enableVnetIntegration": True}
    rest(az, "put", url, cluster)  # what az 2.45 cannot express (aks.md §6.6)
    err = az.fails("aks", "update", "-g", GROUP, "-n", "c1",
                   *kms_flags(show_kms(az)["keyId"], "Private", vault_id))
    assert "disable KMS, change the key vault" in err  # L6
    az.ok("aks", "update", "-g", GROUP, "-n", "c1", "--disable-azure-keyvault-kms")
    # R5: Key Vault Contributor for the identity (az's role assignment request, via az rest).
    role = (f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
            "f25e0fa2-a7c8-4377-a976-54943a77a395")
    rest(az, "put", f"{az.emu.url}{vault_id}/providers/Microsoft.Authorization/roleAssignments/"
         f"{uuid.uuid4()}?api-version=2020-04-01-preview",
         {"properties": {"roleDefinitionId": role, "principalId": world["identity"]["principalId"],
                         "principalType": "ServicePrincipal"}})
    key = new_key(az, "kv-aks", "k1")
    az.ok("aks", "update", "-g", GROUP, "-n", "c1", *kms_flags(key, "Private", vault_id))
    kms = show_kms(az)
    assert kms["keyVaultNetworkAccess"] == "Private" and kms["keyVaultResourceId"] == vault_id
    # az 2.45 re-PUTs without the field it does not know: VNet integration survives.
    assert az.json("aks", "show", "-g", GROUP, "-n", "c1", "--query",
                   "apiServerAccessProfile.enableVnetIntegration") is True
    conns = az.json("keyvault", "show", "-n", "kv-aks", "--query",
                    "properties.privateEndpointConnections")
    assert len(conns) == 1 and "/MC_kmslab_c1_eastus/" in conns[0]["privateEndpoint"]["id"]


def test_minor_version_skip_refused(az):  # aks.md §3.4; the RP's text (rancher/dashboard#11884)
    err = az.fails("aks", "upgrade", "-g", GROUP, "-n", "c1", "--kubernetes-version", "1.29.4",
                   "--yes")
    assert ("(OperationNotAllowed) Upgrading Kubernetes version 1.27.1 to 1.29.4 is not allowed. "
            "Available upgrades: [1.28.5 1.28.4 1.28.3 1.28.2 1.28.1 1.28.0 1.27.3 1.27.2]. "
            "Please see https://aka.ms/aks-supported-k8s-ver for version details.") in err
    assert az.tsv("aks", "show", "-g", GROUP, "-n", "c1", "--query",
                  "currentKubernetesVersion") == "1.27.1"


def test_stop_then_start(az):  # powerState; a second stop/start is refused (Azure/AKS#1871)
    az.ok("aks", "stop", "-g", GROUP, "-n", "c1")
    assert az.tsv("aks", "show", "-g", GROUP, "-n", "c1", "--query", "powerState.code") == "Stopped"
    err = az.fails("aks", "stop", "-g", GROUP, "-n", "c1")
    assert "(Succeeded,Stopped) state, stopping cannot be performed" in err
    az.ok("aks", "start", "-g", GROUP, "-n", "c1")
    assert az.tsv("aks", "show", "-g", GROUP, "-n", "c1", "--query", "powerState.code") == "Running"
    assert az.tsv("aks", "show", "-g", GROUP, "-n", "c1", "--query",
                  "provisioningState") == "Succeeded"
    err = az.fails("aks", "start", "-g", GROUP, "-n", "c1")
    assert "(Succeeded,Running) state, starting cannot be performed" in err


def test_stop_refused_for_private_vault_over_konnectivity(az, world):  # I10, N2 grandfathered
    status, _, body = az.emu.curl("/_kmslab/aks/konnectivity-private-grandfathered", "-X", "POST",
                                  "-d", '{"enabled":true}')
    assert status == 200, body
    try:
        az.ok("aks", "create", "-g", GROUP, "-n", "c-gf", "-l", "eastus", "--no-ssh-key",
              "--kubernetes-version", "1.29.4", "--assign-identity", world["identity"]["id"],
              *kms_flags(show_kms(az)["keyId"], "Private", world["vault"]["id"]))
    finally:
        az.emu.curl("/_kmslab/aks/konnectivity-private-grandfathered", "-X", "POST",
                    "-d", '{"enabled":false}')
    err = az.fails("aks", "stop", "-g", GROUP, "-n", "c-gf")
    assert ("(OperationNotAllowed) Stopping managed cluster 'c-gf' is not supported: Azure Key "
            "Vault KMS uses a private key vault and the cluster does not use API Server VNet "
            "Integration") in err
    assert az.tsv("aks", "show", "-g", GROUP, "-n", "c-gf", "--query",
                  "powerState.code") == "Running"
    az.ok("aks", "delete", "-g", GROUP, "-n", "c-gf", "--yes")


def test_scale_to_zero_through_vmss_is_unrecoverable(az):  # L8
    node_rg = az.tsv("aks", "show", "-g", GROUP, "-n", "c1", "--query", "nodeResourceGroup")
    base = f"{az.emu.url}/subscriptions/{SUBSCRIPTION}/resourceGroups/{node_rg}/providers/" \
           "Microsoft.Compute/virtualMachineScaleSets"
    [vmss] = rest(az, "get", base + "?api-version=2022-11-01")["value"]
    rest(az, "patch", f"{base}/{vmss['name']}?api-version=2022-11-01", {"sku": {"capacity": 0}})
    assert az.tsv("aks", "show", "-g", GROUP, "-n", "c1", "--query",
                  "powerState.code") == "Stopped"
    err = az.fails("aks", "update", "-g", GROUP, "-n", "c1", "--disable-azure-keyvault-kms")
    assert "(ClusterUnrecoverable)" in err
    assert "(ClusterUnrecoverable)" in az.fails("aks", "start", "-g", GROUP, "-n", "c1")
    az.ok("aks", "delete", "-g", GROUP, "-n", "c1", "--yes")
    assert az.tsv("aks", "list", "--query", "length(@)") == "0"
