// Rotation (P7, R7), double rotation without migration (I8), disable (D2, L9), through ARM.
#include <gtest/gtest.h>

#include "emulator/aks/lifecycle.hpp"
#include "tests/unit/aks/aks_world.hpp"

namespace kmslab::testing {
namespace {

std::string key(const std::string& version) {
  return "https://kv1.vault.azure.net/keys/k1/" + version;
}

TEST(KmsLifecycle, RotationKeepsThePreviousKeyAsASecondProvider) {
  AksWorld a;
  a.add_key("kv1", "k1", "v2");
  a.put_done(a.body(AksWorld::kms(key("0123abcd")), "1.27"));
  a.put_done(a.body(AksWorld::kms(key("v2")), "1.27"));
  const auto& spec = a.planes.specs.back();
  ASSERT_EQ(spec.kms.size(), 2u);
  EXPECT_EQ(spec.kms[0].key_version, "v2");                  // writes
  EXPECT_EQ(spec.kms[1].key_version, "0123abcd");            // reads what it wrote
  EXPECT_EQ(spec.kms[1].provider_name, "azurekmsprovider");  // its data's prefix
  EXPECT_NE(spec.kms[0].provider_name, spec.kms[1].provider_name);
  // The previous key stays internal (aks.md §1.6): the resource shows the current one only.
  auto block = a.get()["properties"]["securityProfile"]["azureKeyVaultKms"];
  EXPECT_EQ(block, AksWorld::kms(key("v2")));
}

TEST(KmsLifecycle, SecondRotationDropsTheOldestOnceItsDataIsMigrated) {
  AksWorld a;
  a.add_key("kv1", "k1", "v2");
  a.add_key("kv1", "k1", "v3");
  a.put_done(a.body(AksWorld::kms(key("0123abcd")), "1.27"));
  a.put_done(a.body(AksWorld::kms(key("v2")), "1.27"));
  const std::string id = a.planes.specs.back().cluster_id;
  a.planes.in_use[id + "|azurekmsprovider"] = true;  // nobody ran kubectl replace
  const size_t applied = a.planes.specs.size();
  auto r = a.put(a.body(AksWorld::kms(key("v3")), "1.27"));
  ASSERT_EQ(r.result_int(), 200) << r.body();
  // I8: stuck Updating while the oldest key's data is still there.
  EXPECT_EQ(a.poll(r)["status"], "InProgress");
  EXPECT_EQ(a.planes.complete(), 0);
  EXPECT_EQ(a.planes.specs.size(), applied);
  EXPECT_EQ(a.get()["properties"]["provisioningState"], "Updating");
  EXPECT_EQ(a.put(a.body(AksWorld::kms(key("v3")), "1.27")).result_int(), 409);
  // A restart meanwhile brings back the keys from before the rotation, still waiting.
  a.w.arm->resume_clusters();
  ASSERT_EQ(a.planes.specs.size(), applied + 1);
  EXPECT_EQ(a.planes.specs.back().kms[0].key_version, "v2");
  EXPECT_EQ(a.planes.specs.back().kms[1].key_version, "0123abcd");
  EXPECT_EQ(a.planes.complete(), 1);
  EXPECT_EQ(a.poll(r)["status"], "InProgress");
  // After the migration the next poll lets the rotation proceed.
  a.planes.in_use[id + "|azurekmsprovider"] = false;
  EXPECT_EQ(a.poll(r)["status"], "InProgress");
  ASSERT_EQ(a.planes.complete(), 1);
  EXPECT_EQ(a.poll(r)["status"], "Succeeded");
  const auto& spec = a.planes.specs.back();
  ASSERT_EQ(spec.kms.size(), 2u);
  EXPECT_EQ(spec.kms[0].key_version, "v3");
  EXPECT_EQ(spec.kms[1].key_version, "v2");
}

TEST(KmsLifecycle, DisableWritesWithIdentityAndKeepsTheKeysAsReaders) {
  AksWorld a;
  a.put_done(a.body(AksWorld::kms(key("0123abcd"))));
  auto off = AksWorld::kms(key("0123abcd"));
  off["enabled"] = false;
  auto c = a.put_done(a.body(off));
  EXPECT_EQ(c["properties"]["securityProfile"]["azureKeyVaultKms"]["enabled"], false);
  EXPECT_EQ(c["properties"]["securityProfile"]["azureKeyVaultKms"]["keyId"], key("0123abcd"));
  const auto& spec = a.planes.specs.back();
  EXPECT_TRUE(spec.identity_first);
  ASSERT_EQ(spec.kms.size(), 1u);
  // Terraform's disable: {"enabled": false} alone is accepted (aks-recorded.md §4).
  a.put_done(a.body(json{{"enabled", false}}));
  EXPECT_EQ(a.get()["properties"]["provisioningState"], "Succeeded");
}

TEST(KmsLifecycle, UpdateKeysNamesEachKeyOnceAndDropsTheOldest) {
  aks::LifecycleOptions o;
  aks::ManagedCluster c;
  auto set = [&](const std::string& k) {
    c.properties = {{"securityProfile", {{"azureKeyVaultKms", AksWorld::kms(key(k))}}}};
  };
  set("a");
  EXPECT_FALSE(aks::update_keys(nullptr, c, "1.26.6", o));
  EXPECT_EQ(c.keys[0].kms_api_version, 1);
  auto prev = c;
  set("b");
  EXPECT_FALSE(aks::update_keys(&prev, c, "1.26.6", o));
  prev = c;
  set("c");
  auto dropped = aks::update_keys(&prev, c, "1.26.6", o);
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->key_id, key("a"));
  ASSERT_EQ(c.keys.size(), 2u);
  EXPECT_EQ(c.keys[0].provider_name, "azurekmsprovider");  // a's name is free again
  EXPECT_EQ(c.keys[1].provider_name, o.second_provider_name);
}

TEST(KmsLifecycle, EnablingTheLastWritingKeyAfterADisableIsNoRotation) {  // M1, D2
  aks::LifecycleOptions o;
  aks::ManagedCluster c;
  auto set = [&](const std::string& k, bool enabled, const std::string& access = "Public") {
    auto kms = AksWorld::kms(key(k));
    kms["enabled"] = enabled;
    kms["keyVaultNetworkAccess"] = access;
    if (access == "Private") kms["keyVaultResourceId"] = "/subscriptions/s/vault-rid";
    c.properties = {{"securityProfile", {{"azureKeyVaultKms", kms}}}};
  };
  set("a", true);
  aks::update_keys(nullptr, c, "1.29.7", o);
  auto prev = c;
  set("b", true);  // a rotation: b writes, a reads
  aks::update_keys(&prev, c, "1.29.7", o);
  prev = c;
  set("b", false);
  EXPECT_FALSE(aks::update_keys(&prev, c, "1.29.7", o));
  prev = c;
  set("b", true, "Private");  // the same key again, its vault now private
  EXPECT_FALSE(aks::update_keys(&prev, c, "1.29.7", o));  // a, which may hold data, stays
  ASSERT_EQ(c.keys.size(), 2u);
  EXPECT_EQ(c.keys[0].key_id, key("b"));
  EXPECT_EQ(c.keys[0].provider_name, o.second_provider_name);  // its data's prefix
  EXPECT_EQ(c.keys[0].network_access, "Private");
  EXPECT_EQ(c.keys[0].resource_id, "/subscriptions/s/vault-rid");
  EXPECT_EQ(c.keys[1].key_id, key("a"));
}

TEST(KmsLifecycle, EnablingTheSameKeyAcross127TakesANewKmsV2Provider) {  // V3
  aks::LifecycleOptions o;
  aks::ManagedCluster c;
  c.properties = {{"securityProfile", {{"azureKeyVaultKms", AksWorld::kms(key("a"))}}}};
  aks::update_keys(nullptr, c, "1.26.6", o);
  auto prev = c;
  c.properties["securityProfile"]["azureKeyVaultKms"]["enabled"] = false;
  aks::update_keys(&prev, c, "1.26.6", o);
  prev = c;
  c.properties["securityProfile"]["azureKeyVaultKms"]["enabled"] = true;
  aks::update_keys(&prev, c, "1.27.1", o);  // upgraded while disabled
  ASSERT_EQ(c.keys.size(), 2u);
  EXPECT_EQ(c.keys[0].kms_api_version, 2);
  EXPECT_EQ(c.keys[0].provider_name, o.second_provider_name);
  EXPECT_EQ(c.keys[1].kms_api_version, 1);
}

}  // namespace
}  // namespace kmslab::testing
