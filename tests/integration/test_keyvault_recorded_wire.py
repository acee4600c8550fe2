"""The recorded facts of recorded-keyvault.md that only the wire shows: RBAC headers (§4), key
release (§7), uneven pages (§8), checked with plain HTTPS requests."""
import base64
import json
import ssl
import urllib.request
import uuid

import pytest

from kmslab_harness import Emulator, wait_for
from keyvault_support import START, TENANT, VAULT, Vault, get_token
from test_keyvault_wire import emu  # noqa: F401  (the fixture: one vault, manual clock)

SUB = "3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"  # the emulator's default subscription
CRYPTO_OFFICER = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"


def oid_of(token):
    payload = token.split(" ", 1)[1].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["oid"]


class Arm:
    """Raw ARM PUT/GET on the emulator's own host."""

    def __init__(self, emu):
        self.base, self.ca = f"https://127.0.0.1:{emu.port()}", ssl.create_default_context(cafile=emu.ca)
        self.token = get_token(emu, scope="https://management.azure.com/.default")

    def call(self, method, path, api_version, body=None):
        req = urllib.request.Request(f"{self.base}{path}?api-version={api_version}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": self.token,
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=self.ca) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None

    def vault(self, name, **properties):
        path = f"/subscriptions/{SUB}/resourceGroups/rbacwire/providers/Microsoft.KeyVault/vaults/{name}"
        self.call("PUT", path, "2023-07-01", {"location": "westus3", "properties": {
            "tenantId": TENANT, "sku": {"family": "A", "name": "standard"}, "accessPolicies": [],
            **properties}})
        wait_for(lambda: self.call("GET", path, "2023-07-01")[1]["properties"].get(
            "provisioningState") == "Succeeded", f"vault {name}")
        return path


def test_rbac_vaults_name_the_granting_assignment_access_policy_vaults_never(emu):
    """§4 [V] N:KC/UpdateEnabled.json vs C:K.CreateDeletedKeyBeforePollComplete.json."""
    arm = Arm(emu)
    arm.call("PUT", f"/subscriptions/{SUB}/resourcegroups/rbacwire", "2021-04-01", {"location": "westus3"})
    caller = get_token(emu)
    rbac = arm.vault("wirerbac", enableRbacAuthorization=True)
    arm.vault("wirepolicy", accessPolicies=[{"tenantId": TENANT, "objectId": oid_of(caller),
                                             "permissions": {"keys": ["all"]}}])
    name = str(uuid.uuid4())
    arm.call("PUT", f"{rbac}/providers/Microsoft.Authorization/roleAssignments/{name}", "2022-04-01",
             {"properties": {"roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft."
                             f"Authorization/roleDefinitions/{CRYPTO_OFFICER}",
                             "principalId": oid_of(caller), "principalType": "ServicePrincipal"}})
    v = Vault(emu, "wirerbac")
    status, headers, body = v.request("POST", "/keys/k1/create?api-version=7.4", {"kty": "EC"})
    assert status == 200, body
    assert headers["x-ms-keyvault-rbac-assignment-id"] == name
    cache = headers["x-ms-keyvault-rbac-cache"]
    assert [p.split("=")[0] for p in cache.split(";")] == [
        "ra_age", "da_age", "rd_age", "brd_age", "ra_notif_age", "dec_lev", ""], cache
    # An authorised call the handler then refuses still passed RBAC.
    status, headers, _ = v.request("GET", "/keys/nothere?api-version=7.4")
    assert status == 404 and headers["x-ms-keyvault-rbac-assignment-id"] == name
    # The challenge and an unauthorised caller carry neither header.
    status, headers, _ = v.request("GET", "/keys?api-version=7.4", token=None)
    assert status == 401 and not any(h.startswith("x-ms-keyvault-rbac") for h in headers)
    status, headers, body = v.request("GET", "/keys?api-version=7.4",
                                      token=get_token(emu, client_id="stranger"))
    assert status == 403 and body["error"]["innererror"]["code"] == "ForbiddenByRbac", body
    assert not any(h.startswith("x-ms-keyvault-rbac") for h in headers)
    # An access-policy vault never sends them.
    status, headers, body = Vault(emu, "wirepolicy").request("POST", "/keys/k1/create?api-version=7.4",
                                                             {"kty": "EC"})
    assert status == 200, body
    assert not any(h.startswith("x-ms-keyvault-rbac") for h in headers)

