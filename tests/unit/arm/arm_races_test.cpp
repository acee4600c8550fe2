// ARM decisions that race other requests (issue 9 defect 5): each is one atomic decision, so two
// threads cannot leave state no serial order would. Bounded loops, two threads each; built and
// run under ThreadSanitizer by tools/tsan.sh.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "emulator/keyvault/key_repository.hpp"
#include "tests/support/arm_world.hpp"

namespace kmslab::arm {
namespace {

using core::http::verb;
using nlohmann::json;
using testing::kArmSubscription;

const std::string kSub = std::string("/subscriptions/") + kArmSubscription;
const std::string kRgV = "?api-version=2021-04-01";
const std::string kKvV = "?api-version=2022-07-01";
const std::string kMiV = "?api-version=2022-01-31-preview";

std::string group_url(const std::string& rg) {
  return kSub + "/resourcegroups/" + rg + kRgV;
}
std::string vault_url(const std::string& rg, const std::string& name) {
  return kSub + "/resourceGroups/" + rg + "/providers/Microsoft.KeyVault/vaults/" + name + kKvV;
}
std::string identity_url(const std::string& rg, const std::string& name) {
  return kSub + "/resourceGroups/" + rg +
         "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + name + kMiV;
}
std::string pe_url(const std::string& rg, const std::string& name) {
  return kSub + "/resourceGroups/" + rg + "/providers/Microsoft.Network/privateEndpoints/" + name +
         "?api-version=2022-07-01";
}

std::string vault_body() {
  return json{{"location", "eastus"},
              {"properties",
               {{"tenantId", testing::kArmTenant},
                {"sku", {{"family", "A"}, {"name", "standard"}}},
                {"accessPolicies", json::array()}}}}
      .dump();
}

std::string pe_body(const std::string& vault) {
  const std::string subnet =
      kSub + "/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s";
  const std::string target =
      kSub + "/resourceGroups/kmslab/providers/Microsoft.KeyVault/vaults/" + vault;
  return json{{"location", "eastus"},
              {"properties",
               {{"subnet", {{"id", subnet}}},
                {"privateLinkServiceConnections",
                 {{{"name", "c"},
                   {"properties", {{"privateLinkServiceId", target}, {"groupIds", {"vault"}}}}}}}}}}
      .dump();
}

bool in_group(const std::string& resource_group, const std::string& rg) {
  return core::to_lower(resource_group) == core::to_lower(rg);
}

// PUTs that found the group before a concurrent DELETE of it must not create resources in a
// group that no longer exists (before: check_group ran outside the write lock, then the handler
// dereferenced groups_.find() again: an orphan at best, undefined behaviour at worst; the
// private endpoint PUT is here for that dereference, which ASan and TSan builds catch).
TEST(ArmRacesTest, PutsRacingAGroupDeleteLeaveNoOrphans) {
  testing::ArmWorld w;
  ASSERT_EQ(w.send(verb::put, vault_url("kmslab", "pevault"), vault_body()).result_int(), 201u);
  for (int i = 0; i < 40; ++i) {
    const std::string rg = "race" + std::to_string(i);
    ASSERT_EQ(w.send(verb::put, group_url(rg), R"({"location":"eastus"})").result_int(), 201u);
    std::thread creator([&] {
      w.send(verb::put, identity_url(rg, "id1"), R"({"location":"eastus"})");
      w.send(verb::put, vault_url(rg, "rv" + std::to_string(i)), vault_body());
      w.send(verb::put, pe_url(rg, "pe1"), pe_body("pevault"));
    });
    std::thread deleter([&] { w.send(verb::delete_, group_url(rg)); });
    creator.join();
    deleter.join();
    ASSERT_EQ(w.send(verb::head, group_url(rg)).result_int(), 404u);
    for (const auto& m : w.directory.list_managed_identities()) {
      EXPECT_FALSE(in_group(m.resource_group, rg)) << m.id;
    }
    for (const auto& v : w.vaults.list()) EXPECT_FALSE(in_group(v.resource_group, rg)) << v.name;
  }
}

// A key create that loses the race with an ARM purge of its vault writes nothing: before, the
// data plane and ARM took different locks and the key survived the purge, to reappear in the
// next vault of that name.
TEST(ArmRacesTest, KeyCreatesRacingAPurgeLeaveNoKeyBehind) {
  testing::ArmWorld w;
  keyvault::KeyRepository keys(*w.store);
  const std::string purge = kSub +
                            "/providers/Microsoft.KeyVault/locations/eastus/deletedVaults/"
                            "reused/purge" +
                            kKvV;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(w.send(verb::put, vault_url("kmslab", "reused"), vault_body()).result_int(), 201u);
    std::atomic<bool> started{false};
    std::thread creator([&] {
      for (int k = 0; k < 2000; ++k) {
        keyvault::KeyMeta meta{"k" + std::to_string(k), "v1", std::nullopt, std::nullopt};
        try {
          keys.save("reused", meta);
        } catch (const keyvault::VaultGone&) {
          return;
        }
        started = true;
      }
    });
    std::thread purger([&] {
      for (int spin = 0; spin < 100000 && !started; ++spin) std::this_thread::yield();
      ASSERT_EQ(w.send(verb::delete_, vault_url("kmslab", "reused")).result_int(), 200u);
      ASSERT_EQ(w.send(verb::post, purge).result_int(), 202u);
    });
    creator.join();
    purger.join();
    EXPECT_TRUE(w.store->range("/kv/reused/").kvs.empty()) << "iteration " << i;
  }
}

// Deleting a group is one transaction: a reader never sees the group without the identity it
// held (before: identity, assignments and group were separate commits), and a commit that
// fails leaves group, vault, identity and role assignments all in place.
TEST(ArmRacesTest, AGroupDeleteIsOneTransaction) {
  testing::ArmWorld w;
  for (int i = 0; i < 30; ++i) {
    const std::string rg = "whole" + std::to_string(i);
    ASSERT_EQ(w.send(verb::put, group_url(rg), R"({"location":"eastus"})").result_int(), 201u);
    ASSERT_EQ(w.send(verb::put, identity_url(rg, "id1"), R"({"location":"eastus"})").result_int(),
              201u);
    ASSERT_EQ(w.send(verb::put, vault_url(rg, "wv" + std::to_string(i)), vault_body()).result_int(),
              201u);
    std::atomic<bool> done{false};
    std::thread deleter([&] {
      w.send(verb::delete_, group_url(rg));
      done = true;
    });
    std::thread reader([&] {
      for (int n = 0; n < 100000 && !done; ++n) {
        // Resources first: once one is gone the delete has committed, so the group is gone too.
        const bool vault = w.vaults.find("wv" + std::to_string(i)).has_value();
        const bool identity = w.send(verb::get, identity_url(rg, "id1")).result_int() == 200u;
        const bool group = w.send(verb::head, group_url(rg)).result_int() == 204u;
        if ((!vault || !identity) && group) {
          ADD_FAILURE() << "saw group " << rg << " without its vault or identity";
          return;
        }
      }
    });
    deleter.join();
    reader.join();
    EXPECT_EQ(w.send(verb::head, group_url(rg)).result_int(), 404u);
  }
}

struct KeptGroup {
  std::string rg = "kept";
  identity::RoleAssignment assignment;
};

KeptGroup make_group(testing::ArmWorld& w) {
  KeptGroup g;
  EXPECT_EQ(w.send(verb::put, group_url(g.rg), R"({"location":"eastus"})").result_int(), 201u);
  auto mi =
      json::parse(w.send(verb::put, identity_url(g.rg, "id1"), R"({"location":"eastus"})").body());
  EXPECT_EQ(w.send(verb::put, vault_url(g.rg, "keptvault"), vault_body()).result_int(), 201u);
  g.assignment.name = "a1";
  g.assignment.scope =
      kSub + "/resourceGroups/" + g.rg + "/providers/Microsoft.KeyVault/vaults/keptvault";
  g.assignment.role_definition_id = kSub +
                                    "/providers/Microsoft.Authorization/roleDefinitions/"
                                    "12338af0-0e69-4776-bea7-57ae8d297424";
  g.assignment.principal_id = mi["properties"]["principalId"].get<std::string>();
  w.assignments.put(g.assignment);
  return g;
}

// Every part of the group is there (true) or every part is gone (false); anything else fails.
bool whole(testing::ArmWorld& w, const KeptGroup& g) {
  const bool group = w.send(verb::head, group_url(g.rg)).result_int() == 204u;
  EXPECT_EQ(w.vaults.find("keptvault").has_value(), group);
  EXPECT_EQ(w.assignments.find("a1").has_value(), group);
  EXPECT_EQ(w.assignments
                .check_data_action(g.assignment.principal_id,
                                   "Microsoft.KeyVault/vaults/keys/decrypt/action",
                                   g.assignment.scope + "/keys/k")
                .allowed,
            group);
  EXPECT_EQ(w.directory.list_managed_identities().size(), group ? 1u : 0u);
  return group;
}

TEST(ArmRacesTest, AFailedGroupDeleteChangesNothing) {
  testing::ArmWorld w;
  const KeptGroup g = make_group(w);
  const int64_t revision = w.store->revision();
  w.disk.full = true;
  EXPECT_EQ(w.send(verb::delete_, group_url(g.rg)).result_int(), 500u);
  w.disk.full = false;
  EXPECT_EQ(w.store->revision(), revision);
  EXPECT_TRUE(whole(w, g));
}

// Before: a vault soft-delete, then identities, assignments and the group, each its own commit;
// a disk that fills up after the first left a group without its vault.
TEST(ArmRacesTest, AGroupDeleteCommitsOnce) {
  testing::ArmWorld w;
  const KeptGroup g = make_group(w);
  const int64_t revision = w.store->revision();
  w.disk.full_after = 1;
  EXPECT_EQ(w.send(verb::delete_, group_url(g.rg)).result_int(), 202u);
  w.disk.full = false;
  w.disk.full_after = -1;
  EXPECT_EQ(w.store->revision(), revision + 1);
  EXPECT_FALSE(whole(w, g));
  EXPECT_TRUE(w.vaults.find_any("keptvault")->deleted()) << "soft-deleted, recoverable";
}

}  // namespace
}  // namespace kmslab::arm
