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



def walk(vault, path):
    """Follows nextLink from `path`; returns each page's body."""
    pages = []
    while path and len(pages) < 50:
        status, _, body = vault.request("GET", path)
        assert status == 200, body
        pages.append(body)
        link = body["nextLink"]
        assert link is None or link.startswith(f"https://{vault.host}{path.split('?')[0]}?api-version=")
        path = link.split(vault.host, 1)[1] if link else None
    assert pages[-1]["nextLink"] is None, "the listing ends"
    return pages


@pytest.mark.parametrize("sizes,expected", [("2,0,3", [2, 0, 3, 1]), ("full", [6])])
def test_an_empty_page_mid_listing_keeps_its_next_link(emulator_binary, tmp_path, sizes, expected):
    """§8 [V] C:K.GetDeletedKeys.json: pages of 6,12,13,12,13,2,0,0,0,0, the empty ones with a
    nextLink."""
    emu = Emulator(emulator_binary, tmp_path / "d", ["--vault", VAULT, "--list-page-sizes", sizes]).start()
    try:
        v = Vault(emu)
        for i in range(6):
            assert v.request("POST", f"/keys/k{i}/create?api-version=7.3", {"kty": "EC"})[0] == 200
        pages = walk(v, "/keys?api-version=7.3")
        assert [len(p["value"]) for p in pages] == expected
        assert all(p["nextLink"] for p in pages[:-1])
        kids = [k["kid"].rsplit("/", 1)[1] for p in pages for k in p["value"]]
        assert kids == [f"k{i}" for i in range(6)]
    finally:
        assert emu.stop() == 0


def test_default_pages_are_uneven_and_the_same_for_the_same_seed(emulator_binary, tmp_path):
    shapes = []
    for run in range(2):
        emu = Emulator(emulator_binary, tmp_path / f"d{run}", ["--vault", VAULT, "--seed", "42", "--throttling", "off"]).start()
        try:
            v = Vault(emu)
            for i in range(30):
                assert v.request("POST", f"/keys/k{i:02}/create?api-version=7.3", {"kty": "EC"})[0] == 200
            pages = walk(v, "/keys?api-version=7.3")
            assert sum(len(p["value"]) for p in pages) == 30
            shapes.append([len(p["value"]) for p in pages])
        finally:
            assert emu.stop() == 0
    assert shapes[0] == shapes[1]
    assert len(shapes[0]) > 2, shapes  # 30 keys at most 25 a page, uneven: at least 3 pages
