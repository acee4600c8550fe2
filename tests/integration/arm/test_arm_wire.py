"""ARM on the wire (no az): the front door's 401s and api-version errors, ARM's headers, and
malformed bodies that must get a 4xx in ARM's envelope and change nothing."""
import json

import pytest

from arm_support import GROUP, SUBSCRIPTION, arm_call, get_token

VAULTS = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.KeyVault/vaults"
KV = "?api-version=2022-07-01"


def vault_body(**props):
    base = {"tenantId": "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8",
            "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}
    base.update(props)
    return {"location": "eastus", "properties": base}


def test_missing_token_gets_arms_challenge(emu):
    status, headers, body = arm_call(emu, "GET", "/subscriptions?api-version=2019-11-01",
                                     token=False)
    assert status == 401
    assert body["error"]["code"] == "AuthenticationFailed"
    assert headers["www-authenticate"].startswith("Bearer authorization_uri=")
    assert headers["x-ms-correlation-request-id"]


def test_garbage_and_wrong_audience_tokens(emu):
    status, _, body = arm_call(emu, "GET", "/subscriptions?api-version=2019-11-01", token="x.y.z")
    assert (status, body["error"]["code"]) == (401, "InvalidAuthenticationToken")
    vault_token = get_token(emu, resource="https://vault.azure.net")
    status, _, body = arm_call(emu, "GET", "/subscriptions?api-version=2019-11-01",
                               token=vault_token)
    assert (status, body["error"]["code"]) == (401, "InvalidAuthenticationTokenAudience")
    for audience in ("https://management.azure.com", "https://management.azure.com/",
                     "https://management.core.windows.net"):
        assert arm_call(emu, "GET", "/subscriptions?api-version=2019-11-01",
                        token=get_token(emu, resource=audience))[0] == 200


def test_api_version_errors(emu):
    status, _, body = arm_call(emu, "GET", "/subscriptions")
    assert (status, body["error"]["code"]) == (400, "MissingApiVersionParameter")
    status, _, body = arm_call(emu, "GET", "/subscriptions?api-version=1999-01-01")
    assert (status, body["error"]["code"]) == (400, "InvalidApiVersionParameter")
    assert "2019-11-01" in body["error"]["message"]
    status, _, body = arm_call(emu, "GET", VAULTS + "?api-version=2099-01-01")
    assert (status, body["error"]["code"]) == (400, "NoRegisteredProviderFound")
    assert "'vaults'" in body["error"]["message"]


def test_headers_and_unknown_subscription(emu):
    status, headers, _ = arm_call(emu, "GET", VAULTS + KV,
                                  headers={"x-ms-correlation-request-id": "corr-1"})
    assert status == 200
    assert headers["x-ms-correlation-request-id"] == "corr-1"
    assert headers["x-ms-ratelimit-remaining-subscription-reads"]
    assert headers["x-ms-request-id"]
    status, _, body = arm_call(emu, "GET", "/subscriptions/00000000-0000-0000-0000-000000000000"
                               "/resourcegroups?api-version=2021-04-01")
    assert (status, body["error"]["code"]) == (404, "SubscriptionNotFound")


@pytest.mark.parametrize("body, code", [
    (b"{not json", "InvalidRequestContent"),
    (b"[]", "InvalidRequestContent"),
    (b"[" * 100000 + b"]" * 100000, "InvalidRequestContent"),
    ({"location": 5, "properties": {}}, "InvalidRequestContent"),
    (vault_body(softDeleteRetentionInDays="90"), "InvalidRequestContent"),
    (vault_body(softDeleteRetentionInDays=91), "BadRequest"),
    (vault_body(enablePurgeProtection=False), "BadRequest"),
    (vault_body(tenantId="not-a-guid"), "BadRequest"),
    (vault_body(sku={"family": "A", "name": "gold"}), "BadRequest"),
    (vault_body(networkAcls={"ipRules": [{"value": "300.1.1.1"}]}), "BadRequest"),
    (vault_body(accessPolicies=[{"tenantId": "x"}]), "BadRequest"),
    ({"properties": vault_body()["properties"]}, "LocationRequired"),
])
def test_malformed_vault_bodies_change_nothing(emu, body, code):
    status, _, reply = arm_call(emu, "PUT", VAULTS + "/kv-bad" + KV, body=body)
    assert status == 400 and reply["error"]["code"] == code, reply
    assert arm_call(emu, "GET", VAULTS + "/kv-bad" + KV)[0] == 404


def test_network_rules_are_normalised(emu):
    body = vault_body(networkAcls={"defaultAction": "deny", "ipRules": [{"value": "124.56.78.91"},
                                                                        {"value": "10.0.0.0/24"}],
                                   "virtualNetworkRules": [{"id": f"/subscriptions/{SUBSCRIPTION}/"
                                                            "resourceGroups/RG/providers/"
                                                            "Microsoft.Network/virtualNetworks/"
                                                            "VNet/subnets/Sub1"}]})
    status, _, vault = arm_call(emu, "PUT", VAULTS + "/kv-acl" + KV, body=body)
    assert status == 201
    acls = vault["properties"]["networkAcls"]
    assert acls["defaultAction"] == "Deny"
    assert [r["value"] for r in acls["ipRules"]] == ["124.56.78.91/32", "10.0.0.0/24"]
    assert acls["virtualNetworkRules"][0]["id"].endswith("/virtualnetworks/vnet/subnets/sub1")
    assert arm_call(emu, "PUT", VAULTS + "/kv-acl" + KV, body=body)[0] == 200


def test_private_endpoint_creates_an_approved_connection(emu):
    arm_call(emu, "PUT", VAULTS + "/kv-pe" + KV, body=vault_body())
    vault_id = VAULTS + "/kv-pe"
    subnet = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/net/providers/Microsoft.Network/"
              "virtualNetworks/VNet/subnets/PE")
    pe = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.Network/"
          "privateEndpoints/pe1?api-version=2022-01-01")
    body = {"location": "eastus", "properties": {"subnet": {"id": subnet},
            "privateLinkServiceConnections": [{"name": "c1", "properties": {
                "privateLinkServiceId": vault_id, "groupIds": ["vault"]}}]}}
    status, _, created = arm_call(emu, "PUT", pe, body=body)
    assert status == 201, created
    _, _, conns = arm_call(emu, "GET", vault_id + "/privateEndpointConnections" + KV)
    [conn] = conns["value"]
    state = conn["properties"]["privateLinkServiceConnectionState"]
    assert state["status"] == "Approved"
    assert conn["properties"]["privateEndpoint"]["id"] == pe.split("?")[0]
    assert arm_call(emu, "DELETE", pe)[0] == 200
    assert arm_call(emu, "GET", vault_id + "/privateEndpointConnections" + KV)[2]["value"] == []


def test_check_name_availability_and_resources_filter(emu):
    arm_call(emu, "PUT", VAULTS + "/kv-taken" + KV, body=vault_body())
    path = f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.KeyVault/checkNameAvailability" + KV
    taken = arm_call(emu, "POST", path, body={"name": "kv-taken",
                                               "type": "Microsoft.KeyVault/vaults"})[2]
    assert taken["nameAvailable"] is False and taken["reason"] == "AlreadyExists"
    bad = arm_call(emu, "POST", path, body={"name": "1x", "type": "Microsoft.KeyVault/vaults"})[2]
    assert bad["reason"] == "AccountNameInvalid"
    _, _, res = arm_call(emu, "GET", f"/subscriptions/{SUBSCRIPTION}/resources?$filter="
                         "resourceType%20eq%20'Microsoft.KeyVault/vaults'&api-version=2015-11-01")
    assert "kv-taken" in [r["name"] for r in res["value"]]
