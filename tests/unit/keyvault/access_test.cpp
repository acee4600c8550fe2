// The data plane's access decisions in Azure's order, with the exact refusal bodies
// (reference keyvault.md §4, §8, §9; seed ids P1-P4, R3-R5).
#include "emulator/keyvault/access.hpp"

#include <gtest/gtest.h>

namespace kmslab::keyvault::access {
namespace {

const std::string kTenant = "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8";
const std::string kSubnet =
    "/subscriptions/s1/resourcegroups/net/providers/microsoft.network/virtualnetworks/v/subnets/"
    "aks";

identity::TokenClaims caller(const std::string& oid = "oid-1") {
  return {kTenant, oid, "app-1", "https://vault.azure.net",
          "https://sts.windows.net/" + kTenant + "/"};
}

VaultSettings vault() {
  VaultSettings v;
  v.name = "Kv1";
  v.location = "westeurope";
  v.tenant_id = kTenant;
  v.subscription_id = "s1";
  v.resource_group = "rg";
  return v;
}

const Operation& op(const char* route) {
  return *operation_of(route);
}

TEST(AccessTest, EveryKeyRouteHasAPermissionAndADataAction) {
  for (const char* route : {"keys.create", "keys.get", "keys.list", "keys.decrypt",
                            "keys.unwrapkey", "deletedkeys.purge", "keys.rotationpolicy.set"}) {
    ASSERT_NE(operation_of(route), nullptr) << route;
  }
  EXPECT_EQ(operation_of("no.such.route"), nullptr);  // refused by the filter (fails closed)
  // /rng: an entry of its own, needing no permission (reference keyvault.md §2, [U] for vaults).
  ASSERT_NE(operation_of("rng"), nullptr);
  EXPECT_STREQ(op("rng").permission, "");
  EXPECT_STREQ(op("keys.unwrapkey").data_action, "Microsoft.KeyVault/vaults/keys/unwrap/action");
}

TEST(AccessTest, AudienceAndIssuerMustNameThisVaultAndTenant) {
  const auto v = vault();
  EXPECT_FALSE(check_claims(v, caller(), "https://vault.localhost:8443"));
  auto c = caller();
  c.audience = "https://vault.localhost:8443/";
  EXPECT_FALSE(check_claims(v, c, "https://vault.localhost:8443"));
  c.audience = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093";
  EXPECT_FALSE(check_claims(v, c, "https://vault.azure.net"));
  c.audience = "https://management.azure.com/";
  EXPECT_EQ(check_claims(v, c, "https://vault.azure.net"),
            "AKV10022: Invalid audience. Expected https://vault.azure.net, found: "
            "https://management.azure.com/.");
  c = caller();
  c.issuer = "https://sts.windows.net/00000000-0000-0000-0000-000000000001/";
  EXPECT_EQ(check_claims(v, c, "https://vault.azure.net"),
            "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/" + kTenant +
                "/, found https://sts.windows.net/00000000-0000-0000-0000-000000000001/.");
  c.issuer = "https://login.microsoftonline.com/" + kTenant + "/v2.0";
  EXPECT_FALSE(check_claims(v, c, "https://vault.azure.net"));
}

TEST(AccessTest, FirewallAllowsListedAddressesAndSubnetsOnly) {
  auto v = vault();
  EXPECT_FALSE(check_network(v, caller(), "127.0.0.9", nullptr)) << "no rules: open";
  v.network_acls = NetworkAcls{"None", "Deny", {"127.0.0.2/32", "127.0.5.0/24"}, {kSubnet}};
  core::SubnetMap subnets;
  subnets.set(*core::parse_ipv4_cidr("127.0.1.0/24"), kSubnet);
  EXPECT_FALSE(check_network(v, caller(), "127.0.0.2", &subnets));
  EXPECT_FALSE(check_network(v, caller(), "127.0.5.77", &subnets));
  EXPECT_FALSE(check_network(v, caller(), "127.0.1.4", &subnets)) << "virtual network rule";
  const auto refused = check_network(v, caller(), "::ffff:127.0.0.3", &subnets);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403u);
  EXPECT_EQ(refused->inner_code, "ForbiddenByFirewall");
  EXPECT_EQ(refused->message,
            "Client address is not authorized and caller is not a trusted service.\r\nClient "
            "address: 127.0.0.3\r\nCaller: appid=app-1;oid=oid-1;iss=https://sts.windows.net/" +
                kTenant + "/\r\nVault: kv1;location=westeurope");
  v.network_acls->default_action = "Allow";
  EXPECT_FALSE(check_network(v, caller(), "127.0.0.3", &subnets));
}

TEST(AccessTest, PublicAccessDisabledLeavesOnlyApprovedPrivateLinks) {
  auto v = vault();
  v.public_network_access = "Disabled";
  core::SubnetMap subnets;
  subnets.set(*core::parse_ipv4_cidr("127.0.1.0/24"), kSubnet);
  auto refused = check_network(v, caller(), "127.0.0.1", &subnets);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->inner_code, "ForbiddenByConnection");
  PrivateEndpointConnection pe;
  pe.subnet_id = kSubnet;
  pe.status = "Pending";
  v.private_endpoint_connections.push_back(pe);
  EXPECT_TRUE(check_network(v, caller(), "127.0.1.9", &subnets)) << "pending is not approved";
  v.private_endpoint_connections[0].status = "Approved";
  EXPECT_FALSE(check_network(v, caller(), "127.0.1.9", &subnets));
  EXPECT_TRUE(check_network(v, caller(), "127.0.0.1", &subnets)) << "others stay outside";
  v.public_network_access = "Enabled";
  v.network_acls = NetworkAcls{"None", "Deny", {}, {}};
  EXPECT_FALSE(check_network(v, caller(), "127.0.1.9", &subnets))
      << "private link skips the firewall";
}

TEST(AccessTest, AccessPoliciesMatchTenantAndObjectAndGrantListedPermissions) {
  auto v = vault();
  auto refused = check_authorization(v, caller(), op("keys.get"), "k", nullptr);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->inner_code, "AccessDenied");
  EXPECT_EQ(refused->message,
            "Access denied. Caller was not found on any access policy.\r\nCaller: "
            "appid=app-1;oid=oid-1;iss=https://sts.windows.net/" +
                kTenant + "/\r\nVault: kv1;location=westeurope");
  v.access_policies.push_back({kTenant, "OID-1", "", {"Encrypt", "decrypt"}, {}, {}, {}});
  EXPECT_FALSE(check_authorization(v, caller(), op("keys.decrypt"), "k", nullptr));
  EXPECT_FALSE(check_authorization(v, caller(), op("keys.encrypt"), "k", nullptr));
  refused = check_authorization(v, caller(), op("keys.sign"), "k", nullptr);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->message,
            "The user, group or application 'appid=app-1;oid=oid-1;numgroups=0;iss=https://"
            "sts.windows.net/" +
                kTenant +
                "/' does not have keys sign permission on key vault 'kv1;location=westeurope'. "
                "For help resolving this issue, please see "
                "https://go.microsoft.com/fwlink/?linkid=2125287");
  v.access_policies[0].keys = {"all"};
  EXPECT_FALSE(check_authorization(v, caller(), op("keys.sign"), "k", nullptr));
  auto other_tenant = caller();
  other_tenant.tenant_id = "another";
  EXPECT_TRUE(check_authorization(v, other_tenant, op("keys.sign"), "k", nullptr));
}

TEST(AccessTest, RandomBytesNeedNoPermissionInEitherModel) {
  auto v = vault();  // access policies, none for this caller
  EXPECT_TRUE(check_authorization(v, caller(), op("keys.get"), "", nullptr));
  EXPECT_FALSE(check_authorization(v, caller(), op("rng"), "", nullptr));
  v.rbac = true;  // and no role assignments at all
  EXPECT_TRUE(check_authorization(v, caller(), op("keys.get"), "", nullptr));
  EXPECT_FALSE(check_authorization(v, caller(), op("rng"), "", nullptr));
}

TEST(AccessTest, CompoundIdentityPoliciesNeedOnBehalfOf) {
  auto v = vault();
  v.access_policies.push_back({kTenant, "oid-1", "some-app", {"all"}, {}, {}, {}});
  const auto refused = check_authorization(v, caller(), op("keys.get"), "k", nullptr);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->inner_code, "ForbiddenByPolicy");
}

TEST(AccessTest, RbacVaultsIgnorePoliciesAndHonourKeyScopedAssignments) {
  auto v = vault();
  v.rbac = true;
  v.access_policies.push_back({kTenant, "oid-1", "", {"all"}, {}, {}, {}});
  auto store = store::open_store("memory");
  identity::RoleAssignments roles(*store);
  auto refused = check_authorization(v, caller(), op("keys.unwrapkey"), "k1", &roles);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->inner_code, "ForbiddenByRbac");
  EXPECT_NE(refused->message.find("Action: 'Microsoft.KeyVault/vaults/keys/unwrap/action'\r\n"
                                  "Resource: '/subscriptions/s1/resourcegroups/rg/providers/"
                                  "microsoft.keyvault/vaults/kv1/keys/k1'\r\nAssignment: (not "
                                  "found)\r\nDenyAssignmentId: null\r\nDecisionReason: "
                                  "'DeniedWithNoValidRBAC' \r\nVault: kv1;location=westeurope\r\n"),
            std::string::npos)
      << refused->message;
  identity::RoleAssignment a;
  a.name = "ra1";
  a.scope = v.resource_id() + "/keys/k1";
  a.role_definition_id = "e147488a-f6f5-4113-8e2d-b22465e65bf6";  // Crypto Service Encryption User
  a.principal_id = "oid-1";
  roles.put(a);
  EXPECT_FALSE(check_authorization(v, caller(), op("keys.unwrapkey"), "k1", &roles));
  EXPECT_TRUE(check_authorization(v, caller(), op("keys.unwrapkey"), "k2", &roles));
  EXPECT_TRUE(check_authorization(v, caller(), op("keys.decrypt"), "k1", &roles));
  EXPECT_TRUE(check_authorization(v, caller(), op("keys.list"), "", &roles))
      << "a key-scoped assignment does not cover the vault";
}

// recorded-keyvault.md §4: an RBAC vault names the role assignment that granted the call; an
// access-policy vault, an open vault and a refusal name none.
TEST(AccessTest, RbacDecisionNamesTheGrantingAssignment) {
  auto v = vault();
  v.rbac = true;
  auto store = store::open_store("memory");
  identity::RoleAssignments roles(*store);
  identity::RoleAssignment vault_wide;
  vault_wide.name = "0cc3cf84-3de1-5005-ab06-0ef4d04fa1de";
  vault_wide.scope = v.resource_id();
  vault_wide.role_definition_id = "21090545-7ca7-4776-b22c-e363652d74d2";  // Reader: no keys
  vault_wide.principal_id = "oid-1";
  roles.put(vault_wide);
  identity::RoleAssignment officer = vault_wide;
  officer.name = "41066385-37cd-5a3a-83db-c5df12b11057";
  officer.role_definition_id = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603";  // Crypto Officer
  roles.put(officer);
  std::string granted_by = "unchanged";
  EXPECT_FALSE(check_authorization(v, caller(), op("keys.sign"), "k1", &roles, &granted_by));
  EXPECT_EQ(granted_by, officer.name) << "the assignment whose role has the action, not the first";
  granted_by.clear();
  EXPECT_TRUE(check_authorization(v, caller("oid-2"), op("keys.sign"), "k1", &roles, &granted_by));
  EXPECT_EQ(granted_by, "");
  v.rbac = false;
  v.access_policies.push_back({kTenant, "oid-1", "", {"all"}, {}, {}, {}});
  EXPECT_FALSE(check_authorization(v, caller(), op("keys.sign"), "k1", &roles, &granted_by));
  EXPECT_EQ(granted_by, "");
  v.open_access = true;
  EXPECT_FALSE(check_authorization(v, caller(), op("keys.sign"), "k1", &roles, &granted_by));
  EXPECT_EQ(granted_by, "");
}

TEST(AccessTest, OpenVaultsLetEveryAuthenticatedCallerIn) {
  auto v = vault();
  v.open_access = true;
  EXPECT_FALSE(check_authorization(v, caller("anyone"), op("deletedkeys.purge"), "k", nullptr));
}

}  // namespace
}  // namespace kmslab::keyvault::access
