// Each AKS KMS validation (aks.md §2.2, aks-recorded.md §2), hit through ARM JSON, in order.
#include <gtest/gtest.h>

#include "tests/unit/aks/aks_world.hpp"

namespace kmslab::testing {
namespace {

using core::http::verb;

void expect_refused(AksWorld& a, const core::HttpResponse& r, const std::string& code,
                    const std::string& text) {
  EXPECT_EQ(r.result_int(), 400) << r.body();
  EXPECT_EQ(AksWorld::code(r), code) << r.body();
  EXPECT_NE(AksWorld::message(r).find(text), std::string::npos) << r.body();
  EXPECT_TRUE(a.planes.specs.empty() || a.planes.specs.back().kms.empty());
}

TEST(KmsValidation, PublicKeyIsAcceptedAndConfiguresKmsV1Before127) {
  AksWorld a;
  auto c = a.put_done(a.body(AksWorld::kms(a.key_id)));
  EXPECT_EQ(c["properties"]["provisioningState"], "Succeeded");
  EXPECT_EQ(c["properties"]["securityProfile"]["azureKeyVaultKms"],
            AksWorld::kms(a.key_id));  // echoed as sent (aks-recorded.md §1)
  ASSERT_EQ(a.planes.specs.back().kms.size(), 1u);
  const auto& key = a.planes.specs.back().kms[0];
  EXPECT_EQ(key.provider_name, "azurekmsprovider");
  EXPECT_EQ(key.kms_api_version, 1);  // 1.26.6: V1
  EXPECT_EQ(key.vault_name, "kv1");
  EXPECT_EQ(key.key_name, "k1");
  EXPECT_EQ(key.key_version, "0123abcd");
  EXPECT_EQ(key.cachesize, 1000);
  EXPECT_EQ(a.planes.specs.back().identity_resource_id, a.identity_id);
}

TEST(KmsValidation, Version127AndLaterConfigureKmsV2) {
  AksWorld a;
  a.put_done(a.body(AksWorld::kms(a.key_id), "1.27"));
  EXPECT_EQ(a.planes.specs.back().kms[0].kms_api_version, 2);
  EXPECT_EQ(a.planes.specs.back().kubernetes_version, "1.27.3");
}

TEST(KmsValidation, NetworkAccessDefaultsToPublic) {
  AksWorld a;
  json k = {{"enabled", true}, {"keyId", a.key_id}};
  auto c = a.put_done(a.body(k));
  EXPECT_EQ(c["properties"]["securityProfile"]["azureKeyVaultKms"]["keyVaultNetworkAccess"],
            "Public");
}

TEST(KmsValidation, SystemAssignedIdentityIsRefused) {  // L2, I5
  AksWorld a;
  auto b = a.body(AksWorld::kms(a.key_id));
  b["identity"] = {{"type", "SystemAssigned"}};
  expect_refused(a, a.put(b), "BadRequest",
                 "AzureKeyVaultKms feature does not support cluster identity type SystemAssigned, "
                 "supported value is 'UserAssigned'");
}

TEST(KmsValidation, SystemAssignedWithoutKmsIsFine) {
  AksWorld a;
  auto b = a.body();
  b["identity"] = {{"type", "SystemAssigned"}};
  EXPECT_EQ(a.put(b).result_int(), 201);
}

TEST(KmsValidation, KeyIdMustBeAVersionedKeyIdentifier) {
  AksWorld a;
  for (const char* bad :
       {"https://kv1.vault.azure.net/keys/k1", "http://kv1.vault.azure.net/keys/k1/v1",
        "https://kv1.vault.azure.net/secrets/k1/v1", "https://kv1.vault.azure.net/keys/k1/v1/",
        "kv1"}) {
    expect_refused(a, a.put(a.body(AksWorld::kms(bad))), "BadRequest",
                   "is not a valid Azure Key Vault key identifier");
  }
  expect_refused(a, a.put(a.body(AksWorld::kms(""))), "BadRequest", "KeyId is required");
}

TEST(KmsValidation, NetworkAccessMustBePublicOrPrivate) {
  AksWorld a;
  expect_refused(a, a.put(a.body(AksWorld::kms(a.key_id, "Sometimes"))), "BadRequest",
                 "KeyVault network access 'Sometimes' is invalid");
}

TEST(KmsValidation, PrivateNeedsTheVaultResourceId) {  // I3
  AksWorld a;
  expect_refused(a, a.put(a.body(AksWorld::kms(a.key_id, "Private"))), "BadRequest",
                 "KeyVault resource ID is empty when KeyVault network access is Private.");
  expect_refused(a, a.put(a.body(AksWorld::kms(a.key_id, "Private", "not-an-id"))), "BadRequest",
                 "is not a valid key vault resource ID");
}

TEST(KmsValidation, PrivateNeedsVnetIntegrationKonnectivityIsRefused) {  // N2, L7, I4
  AksWorld a;
  expect_refused(a, a.put(a.body(AksWorld::kms(a.key_id, "Private", a.vault_id))), "BadRequest",
                 "Vnet integration should be enabled when KeyVault network access is Private.");
}

TEST(KmsValidation, GrandfatheredSubscriptionsKeepKonnectivityUntil130) {  // N2
  AksWorld a;
  // The admin route (ArmService::register_admin_routes) writes this store key.
  a.w.store->put(std::string("/aks/konnectivity-private/") + kArmSubscription, "true");
  auto at131 = a.put(a.body(AksWorld::kms(a.key_id, "Private", a.vault_id), "1.31"));
  expect_refused(a, at131, "BadRequest", "Vnet integration should be enabled");
  auto at130 = a.put(a.body(AksWorld::kms(a.key_id, "Private", a.vault_id), "1.30"));
  EXPECT_EQ(at130.result_int(), 201) << at130.body();
}

TEST(KmsValidation, PrivateResourceIdMustNameTheKeysVault) {  // aks.md §7 item 5
  AksWorld a;
  a.put_vault("kv2", true);
  auto b = a.body(
      AksWorld::kms(a.key_id, "Private", a.group + "/providers/Microsoft.KeyVault/vaults/kv2"));
  b["properties"]["apiServerAccessProfile"] = {{"enableVnetIntegration", true}};
  expect_refused(a, a.put(b, AksWorld::kNew), "BadRequest", "does not name the key vault 'kv1'");
}

TEST(KmsValidation, ModeChangeOfTheAttachedVaultWhileEnabledIsRefused) {  // L6
  AksWorld a;
  a.put_done(a.body(AksWorld::kms(a.key_id)));
  auto b = a.body(AksWorld::kms(a.key_id, "Private", a.vault_id));
  b["properties"]["apiServerAccessProfile"] = {{"enableVnetIntegration", true}};
  auto r = a.put(b, AksWorld::kNew);
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_NE(AksWorld::message(r).find("disable KMS, change the key vault"), std::string::npos);
}

TEST(KmsValidation, UpgradeAcross127WithKmsV1IsRefusedAndTheMigrationPathWorks) {  // V2, V3
  AksWorld a;
  a.put_done(a.body(AksWorld::kms(a.key_id), "1.26.6"));
  auto r = a.put(a.body(AksWorld::kms(a.key_id), "1.27.1"));
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(AksWorld::code(r), "ValidationError");
  EXPECT_NE(AksWorld::message(r).find("Control Plane upgrade is blocked"), std::string::npos);
  // D2: disable, upgrade, enable again: v2.
  auto off = AksWorld::kms(a.key_id);
  off["enabled"] = false;
  a.put_done(a.body(off, "1.26.6"));
  a.put_done(a.body(off, "1.27.1"));
  a.add_key("kv1", "k1", "4567cdef");
  a.put_done(a.body(AksWorld::kms("https://kv1.vault.azure.net/keys/k1/4567cdef"), "1.27.1"));
  EXPECT_EQ(a.planes.specs.back().kms[0].kms_api_version, 2);
  EXPECT_EQ(a.get()["properties"]["provisioningState"], "Succeeded");
}

TEST(KmsValidation, DowngradeIsRefused) {
  AksWorld a;
  a.put_done(a.body(nullptr, "1.27.3"));
  EXPECT_EQ(a.put(a.body(nullptr, "1.26.6")).result_int(), 400);
  EXPECT_EQ(AksWorld::code(a.put(a.body(nullptr, "one.two"))), "InvalidParameter");
}

TEST(KmsValidation, AnUnknownVaultIsRefused) {
  AksWorld a;
  expect_refused(a, a.put(a.body(AksWorld::kms("https://kv9.vault.azure.net/keys/k1/v1"))),
                 "BadRequest", "KeyVault 'kv9' could not be validated or it is not found.");
}

TEST(KmsValidation, AVaultInAnotherTenantIsRefused) {  // L5
  AksWorld a;
  auto v = *a.w.vaults.find("kv1");
  v.tenant_id = "11111111-2222-3333-4444-555555555555";
  a.w.vaults.put(v);
  expect_refused(a, a.put(a.body(AksWorld::kms(a.key_id))), "BadRequest",
                 "a key vault in another tenant is not supported");
}

TEST(KmsValidation, APublicVaultBehindAFirewallIsRefused) {  // L3
  AksWorld a;
  a.put_vault("kv1", true, {{"networkAcls", {{"defaultAction", "Deny"}, {"bypass", "None"}}}});
  expect_refused(a, a.put(a.body(AksWorld::kms(a.key_id))), "BadRequest",
                 "has connectivity blocked");
  a.put_vault("kv1", true, {{"publicNetworkAccess", "Disabled"}});
  expect_refused(a, a.put(a.body(AksWorld::kms(a.key_id))), "BadRequest",
                 "has connectivity blocked");
}

TEST(KmsValidation, IdentityWithoutEncryptDecryptIsRefusedForPublicVaults) {  // I1
  AksWorld a;
  a.put_vault("kv1", false);
  expect_refused(a, a.put(a.body(AksWorld::kms(a.key_id))),
                 "AzureKeyVaultKmsValidateIdentityPermissionCustomerError",
                 "The identity does not have keys encrypt/decrypt permission on key vault "
                 "\"https://kv1.vault.azure.net\"");
}

TEST(KmsValidation, AnUnusableKeyFailsTheProbe) {  // §7 item 5: a real encrypt would fail
  AksWorld a;
  const int64_t past = a.w.clock.now_unix_seconds() - 10;
  a.add_key("kv1", "expired", "v1", past);
  a.add_key("kv1", "signonly", "v1", std::nullopt, {"sign", "verify"});
  for (const char* key : {"https://kv1.vault.azure.net/keys/expired/v1",
                          "https://kv1.vault.azure.net/keys/signonly/v1",
                          "https://kv1.vault.azure.net/keys/missing/v1"}) {
    expect_refused(a, a.put(a.body(AksWorld::kms(key))),
                   "AzureKeyVaultKmsValidateIdentityPermissionCustomerError",
                   "does not have keys encrypt/decrypt permission");
  }
}

// R4: no permission probe for a private vault; R5: the identity needs Key Vault Contributor,
// checked in the operation; R1: the private endpoint and its connection.
TEST(KmsValidation, PrivateVaultSkipsTheProbeAndNeedsKeyVaultContributor) {
  AksWorld a;
  a.put_vault("kv1", false, {{"publicNetworkAccess", "Disabled"}});
  auto b = a.body(AksWorld::kms(a.key_id, "Private", a.vault_id));
  b["properties"]["apiServerAccessProfile"] = {{"enableVnetIntegration", true}};
  auto r = a.put(b, AksWorld::kNew);
  ASSERT_EQ(r.result_int(), 201) << r.body();
  auto op = a.poll(r);
  EXPECT_EQ(op["status"], "Failed");
  EXPECT_EQ(op["error"]["code"], "InternalOperationError");  // I6
  EXPECT_NE(op["error"]["details"][0]["message"].get<std::string>().find("Key Vault Contributor"),
            std::string::npos);
  EXPECT_EQ(a.get("c1", AksWorld::kNew)["properties"]["status"]["provisioningError"]["code"],
            "InternalOperationError");
  EXPECT_TRUE(a.planes.specs.empty());

  auto ra = a.call(verb::put,
                   a.vault_id +
                       "/providers/Microsoft.Authorization/roleAssignments/"
                       "0f5c2a4e-1b2c-4d5e-8f90-123456789abc",
                   "2020-04-01-preview",
                   {{"properties",
                     {{"roleDefinitionId", a.sub + "/providers/Microsoft.Authorization/"
                                                   "roleDefinitions/"
                                                   "f25e0fa2-a7c8-4377-a976-54943a77a395"},
                      {"principalId", a.principal},
                      {"principalType", "ServicePrincipal"}}}});
  ASSERT_LT(ra.result_int(), 300) << ra.body();
  r = a.put(b, AksWorld::kNew);
  ASSERT_EQ(r.result_int(), 200) << r.body();
  a.planes.complete();
  EXPECT_EQ(a.poll(r)["status"], "Succeeded");
  ASSERT_EQ(a.planes.specs.size(), 1u);
  EXPECT_TRUE(a.planes.specs[0].kms[0].private_access);
  auto vault = *a.w.vaults.find("kv1");
  ASSERT_EQ(vault.private_endpoint_connections.size(), 1u);
  EXPECT_EQ(vault.private_endpoint_connections[0].status, "Approved");
  EXPECT_NE(vault.private_endpoint_connections[0].private_endpoint_id.find("/MC_rg1_c1_eastus/"),
            std::string::npos);
  // The plugin's address is in the private endpoint's subnet: the vault lets it in.
  EXPECT_EQ(a.subnets.subnet_of("127.64.0.1"), vault.private_endpoint_connections[0].subnet_id);
  // T1's assert: the resource id is returned.
  EXPECT_EQ(a.get()["properties"]["securityProfile"]["azureKeyVaultKms"]["keyVaultResourceId"],
            a.vault_id);
}

}  // namespace
}  // namespace kmslab::testing
