"""az CLI 2.45: user-assigned identities, and role assignments on a vault.

Debian's az 2.45 `az role assignment ...` cannot run: python3-azure ships
azure-mgmt-authorization 3.0.0, whose operation groups lost the `.config` attribute az reads
(AttributeError before any request). So role assignments go through `az rest` with the exact
requests az's role module makes (custom.py _resolve_role_id / create_role_assignment /
_search_role_assignments: role definitions at 2018-01-01-preview filtered by roleName, role
assignments at 2020-04-01-preview) and through the Python mgmt SDK (test_mgmt_sdk.py)."""
import json
import uuid

from arm_support import GROUP, SUBSCRIPTION, TENANT


def rest(az, method, path, body=None):
    args = ["rest", "--method", method, "--url", az.emu.url + path]
    if body is not None:
        args += ["--body", json.dumps(body)]
    out = az.ok(*args)
    return json.loads(out) if out.strip() else None


def test_identity_create_show_delete(az):
    created = az.json("identity", "create", "-g", GROUP, "-n", "id-app")
    assert created["tenantId"] == TENANT
    principal = az.tsv("identity", "show", "-g", GROUP, "-n", "id-app", "--query", "principalId")
    ident = az.tsv("identity", "show", "-g", GROUP, "-n", "id-app", "--query", "id")
    assert principal == created["principalId"]
    assert ident == created["id"] == (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}"
                                      "/providers/Microsoft.ManagedIdentity/"
                                      "userAssignedIdentities/id-app")
    assert az.tsv("identity", "list", "-g", GROUP, "--query", "[].name") == "id-app"
    az.ok("identity", "delete", "-g", GROUP, "-n", "id-app")
    assert az.tsv("identity", "list", "--query", "length(@)") == "0"


def test_role_assignment_on_vault(az):
    principal = az.json("identity", "create", "-g", GROUP, "-n", "id-kms")["principalId"]
    vault = az.tsv("keyvault", "create", "-g", GROUP, "-n", "kv-roles",
                   "--enable-rbac-authorization", "true", "--query", "id")
    authz = vault + "/providers/Microsoft.Authorization"
    [role] = rest(az, "get", authz + "/roleDefinitions?$filter=roleName%20eq%20'Key%20Vault%20"
                  "Crypto%20User'&api-version=2018-01-01-preview")["value"]
    assert role["name"] == "12338af0-0e69-4776-bea7-57ae8d297424"
    name = str(uuid.uuid4())
    body = {"properties": {"roleDefinitionId": role["id"], "principalId": principal,
                           "principalType": "ServicePrincipal"}}
    created = rest(az, "put", f"{authz}/roleAssignments/{name}?api-version=2020-04-01-preview",
                   body)
    assert created["properties"]["scope"] == vault
    listed = rest(az, "get", f"{authz}/roleAssignments?$filter=atScope()"
                  "&api-version=2020-04-01-preview")["value"]
    assert [a["properties"]["principalId"] for a in listed] == [principal]
    # Same principal, role and scope again: ARM's 409, which az create treats as idempotent.
    out = az.run("rest", "--method", "put", "--url",
                 az.emu.url + f"{authz}/roleAssignments/{uuid.uuid4()}"
                 "?api-version=2020-04-01-preview", "--body", json.dumps(body))
    assert out.returncode != 0 and "RoleAssignmentExists" in out.stderr
    # Deleting the vault removes its role assignments (reference keyvault.md §7).
    az.ok("keyvault", "delete", "-n", "kv-roles")
    assert rest(az, "get", f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/"
                f"roleAssignments?$filter=principalId%20eq%20'{principal}'"
                "&api-version=2020-04-01-preview")["value"] == []
