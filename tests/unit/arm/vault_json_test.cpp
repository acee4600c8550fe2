// Validation and normalisation of Microsoft.KeyVault/vaults bodies.
#include "emulator/arm/vault_json.hpp"

#include <gtest/gtest.h>

namespace kmslab::arm {
namespace {

using nlohmann::json;

TEST(IpRules, SingleAddressesBecomeSlash32) {
  EXPECT_EQ(normalise_ip_rule("124.56.78.91"), "124.56.78.91/32");
  EXPECT_EQ(normalise_ip_rule("124.56.78.0/24"), "124.56.78.0/24");
  EXPECT_EQ(normalise_ip_rule("010.1.1.1"), "10.1.1.1/32");
}

TEST(IpRules, RefusesWhatIsNotIpv4) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/33", "1.2.3.4/", "::1",
                          "a.b.c.d", "1.2.3.4/ 8", "1..2.3", "1.2.3.4/123"}) {
    EXPECT_FALSE(normalise_ip_rule(bad)) << bad;
  }
}

TEST(Locations, FoldedAsArmDoes) {
  EXPECT_EQ(normalise_location("East US"), "eastus");
  EXPECT_EQ(normalise_location("westeurope"), "westeurope");
}

json props(json extra = json::object()) {
  json p = {{"tenantId", "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8"},
            {"sku", {{"family", "A"}, {"name", "Premium"}}},
            {"accessPolicies", json::array()}};
  p.update(extra);
  return p;
}

keyvault::VaultSettings base() {
  keyvault::VaultSettings v;
  v.name = "kv";
  return v;
}

TEST(VaultProperties, CreateNormalisesAndDefaults) {
  auto v = apply_vault_properties(
      props({{"networkAcls",
              {{"bypass", "none"},
               {"defaultAction", "DENY"},
               {"virtualNetworkRules", {{{"id", "/subscriptions/S/RG/Sub1"}}}}}},
             {"publicNetworkAccess", "disabled"}}),
      base(), true);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->sku, "premium");
  EXPECT_EQ(v->network_acls->bypass, "None");
  EXPECT_EQ(v->network_acls->default_action, "Deny");
  EXPECT_EQ(v->network_acls->virtual_network_rules[0], "/subscriptions/s/rg/sub1");
  EXPECT_EQ(v->public_network_access, "Disabled");
  EXPECT_EQ(v->retention_days, 90);
}

TEST(VaultProperties, RequiredOnCreate) {
  json p = props();
  p.erase("tenantId");
  EXPECT_EQ(apply_vault_properties(p, base(), true).error().code, "BadRequest");
  p = props();
  p.erase("sku");
  EXPECT_EQ(apply_vault_properties(p, base(), true).error().code, "BadRequest");
  EXPECT_TRUE(apply_vault_properties(json::object(), base(), false).ok());  // PATCH
}

TEST(VaultProperties, IrreversibleAndRangeChecks) {
  EXPECT_NE(apply_vault_properties(props({{"enablePurgeProtection", false}}), base(), true)
                .error()
                .message.find("irreversible"),
            std::string::npos);
  EXPECT_EQ(apply_vault_properties(props({{"softDeleteRetentionInDays", 6}}), base(), true)
                .error()
                .status,
            400u);
  EXPECT_TRUE(apply_vault_properties(props({{"softDeleteRetentionInDays", 7}}), base(), true));
  EXPECT_FALSE(apply_vault_properties(props({{"softDeleteRetentionInDays", 30}}), base(), false));
  EXPECT_FALSE(apply_vault_properties(props({{"enableSoftDelete", false}}), base(), false));
}

TEST(VaultProperties, WrongTypesAreInvalidRequestContent) {
  for (auto bad : {json{{"enableRbacAuthorization", "true"}}, json{{"sku", "standard"}},
                   json{{"accessPolicies", json::object()}}, json{{"tenantId", 5}},
                   json{{"networkAcls", {{"ipRules", {{{"value", 5}}}}}}},
                   json{{"accessPolicies", {{{"tenantId", "x"}}}}}}) {
    auto r = apply_vault_properties(props(bad), base(), true);
    ASSERT_FALSE(r.ok()) << bad.dump();
    EXPECT_EQ(r.error().status, 400u);
  }
}

TEST(VaultJson, ShapeAsArmWritesIt) {
  keyvault::VaultSettings v = base();
  v.subscription_id = "s";
  v.resource_group = "g";
  v.tenant_id = "t";
  const auto j = vault_json(v, "vault.azure.net");
  EXPECT_EQ(j["properties"]["vaultUri"], "https://kv.vault.azure.net/");
  EXPECT_FALSE(j["properties"].contains("enablePurgeProtection"));
  EXPECT_EQ(j["id"], "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv");
  v.deleted_at = 0;
  v.scheduled_purge_at = 86400 * 90;
  EXPECT_EQ(deleted_vault_json(v)["properties"]["scheduledPurgeDate"], "1970-04-01T00:00:00Z");
}

}  // namespace
}  // namespace kmslab::arm
