"""az CLI 2.45 against the emulated Microsoft.KeyVault provider: the values each command prints
are the ones later commands (and the data plane) consume."""
import json
import urllib.request

from arm_support import GROUP, SUBSCRIPTION, TENANT, claims, wait_for


def vault_id(name):
    return (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}"
            f"/providers/Microsoft.KeyVault/vaults/{name}")


def test_create_grants_the_signed_in_principal(az):
    token = az.tsv("account", "get-access-token", "--query", "accessToken")
    vault = az.json("keyvault", "create", "-g", GROUP, "-n", "kv-plain")
    assert vault["id"] == vault_id("kv-plain")
    assert vault["location"] == "eastus"  # from the resource group
    props = vault["properties"]
    assert props["vaultUri"] == "https://kv-plain.vault.azure.net/"
    assert props["provisioningState"] == "Succeeded"
    assert props["tenantId"] == TENANT
    assert props["enableSoftDelete"] is True and props["softDeleteRetentionInDays"] == 90
    [policy] = props["accessPolicies"]
    # az looked the caller up in Graph: the object id the data plane sees in the token.
    assert policy["objectId"] == claims(token)["oid"]
    assert policy["permissions"]["keys"] == ["all"]
    assert az.tsv("keyvault", "show", "-n", "kv-plain", "--query", "id") == vault_id("kv-plain")


def test_create_rbac_and_private(az):
    rbac = az.json("keyvault", "create", "-g", GROUP, "-n", "kv-rbac",
                   "--enable-rbac-authorization", "true")
    assert rbac["properties"]["enableRbacAuthorization"] is True
    assert rbac["properties"]["accessPolicies"] == []
    private = az.json("keyvault", "create", "-g", GROUP, "-n", "kv-private",
                      "--public-network-access", "Disabled")
    assert private["properties"]["publicNetworkAccess"] == "Disabled"
    names = az.tsv("keyvault", "list", "--query", "[].name").split()
    assert {"kv-rbac", "kv-private"} <= set(names)
    assert az.tsv("keyvault", "list", "-g", GROUP, "--query", "length(@)") == str(len(names))


def test_update_and_set_policy(az):
    az.ok("keyvault", "create", "-g", GROUP, "-n", "kv-upd", "--no-self-perms")
    shown = az.json("keyvault", "update", "-n", "kv-upd", "--enabled-for-deployment", "true",
                    "--default-action", "Deny", "--bypass", "None")
    assert shown["properties"]["enabledForDeployment"] is True
    assert shown["properties"]["networkAcls"]["defaultAction"] == "Deny"
    oid = "7d3c1b2a-1111-4222-8333-944455556666"
    az.ok("keyvault", "set-policy", "-n", "kv-upd", "--key-permissions", "decrypt", "encrypt",
          "--object-id", oid)
    policies = az.json("keyvault", "show", "-n", "kv-upd", "--query", "properties.accessPolicies")
    [policy] = [p for p in policies if p["objectId"] == oid]
    assert sorted(policy["permissions"]["keys"]) == ["decrypt", "encrypt"]
    err = az.fails("keyvault", "update", "-n", "kv-upd", "--enable-purge-protection", "false")
    assert "cannot be set to false" in err


def test_delete_recover_purge(az):
    az.ok("keyvault", "create", "-g", GROUP, "-n", "kv-life", "--no-self-perms")
    az.ok("keyvault", "delete", "-n", "kv-life")
    deleted = az.json("keyvault", "list-deleted")
    [entry] = [d for d in deleted if d["name"] == "kv-life"]
    assert entry["properties"]["vaultId"] == vault_id("kv-life")
    assert entry["properties"]["scheduledPurgeDate"].startswith("2026-04-01")
    err = az.fails("keyvault", "create", "-g", GROUP, "-n", "kv-life", "--no-self-perms")
    assert "ConflictError" in err and "deleted state" in err
    recovered = az.json("keyvault", "recover", "-n", "kv-life")
    assert recovered["properties"]["provisioningState"] == "Succeeded"
    assert az.tsv("keyvault", "show", "-n", "kv-life", "--query", "name") == "kv-life"
    az.ok("keyvault", "delete", "-n", "kv-life")
    az.ok("keyvault", "purge", "-n", "kv-life")
    assert "kv-life" not in az.tsv("keyvault", "list-deleted", "--query", "[].name").split()
    az.ok("keyvault", "create", "-g", GROUP, "-n", "kv-life", "--no-self-perms")


def test_purge_protection_and_automatic_purge(az, emu):
    az.ok("keyvault", "create", "-g", GROUP, "-n", "kv-pp", "--no-self-perms",
          "--enable-purge-protection", "true", "--retention-days", "7")
    az.ok("keyvault", "delete", "-n", "kv-pp")
    err = az.fails("keyvault", "purge", "-n", "kv-pp")
    assert "Operation 'DeletedVaultPurge' is not allowed." in err
    status, _, _ = emu.curl("/_kmslab/clock", "-d", json.dumps({"advance": "8d"}))
    assert status == 200

    def purged():
        return "kv-pp" not in az.tsv("keyvault", "list-deleted", "--query", "[].name").split()
    wait_for(purged, "automatic purge of kv-pp", timeout=30)
