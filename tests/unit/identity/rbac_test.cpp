#include "emulator/identity/rbac.hpp"

#include <gtest/gtest.h>

#include "emulator/core/router.hpp"
#include "emulator/identity/directory.hpp"
#include "tests/support/full_disk_store.hpp"

namespace kmslab::identity {
namespace {

const std::string kVault =
    "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1";
const std::string kCryptoUser = "12338af0-0e69-4776-bea7-57ae8d297424";
const std::string kKv = "Microsoft.KeyVault/vaults/";

RoleAssignment assignment(const std::string& name, const std::string& scope,
                          const std::string& role, const std::string& principal) {
  RoleAssignment a;
  a.name = name;
  a.scope = scope;
  a.role_definition_id =
      "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/" + role;
  a.principal_id = principal;
  a.principal_type = "ServicePrincipal";
  return a;
}

TEST(RbacTest, WildcardsSpanSegmentsCaseInsensitively) {
  EXPECT_TRUE(
      action_matches("Microsoft.KeyVault/vaults/keys/*", "microsoft.keyvault/vaults/keys/read"));
  EXPECT_TRUE(action_matches("Microsoft.KeyVault/vaults/*/read", kKv + "keys/read"));
  EXPECT_FALSE(action_matches("Microsoft.KeyVault/vaults/*/read", kKv + "keys/decrypt/action"));
  EXPECT_TRUE(action_matches("*", "anything"));
  EXPECT_FALSE(action_matches(kKv + "keys/read", kKv + "keys/readx"));
}

TEST(RbacTest, ScopesCoverDescendantsOnSegmentBoundaries) {
  EXPECT_TRUE(scope_covers("/", kVault));
  EXPECT_TRUE(scope_covers("/subscriptions/S1", kVault));
  EXPECT_TRUE(scope_covers(kVault, kVault + "/keys/k"));
  EXPECT_TRUE(scope_covers(kVault + "/", kVault));
  EXPECT_FALSE(scope_covers(kVault + "/keys/k", kVault));
  EXPECT_FALSE(scope_covers(kVault.substr(0, kVault.size() - 1), kVault));  // ".../kv" vs ".../kv1"
}

TEST(RbacTest, BuiltInRolesGrantWhatAzureDocuments) {
  const RoleDefinition* user = find_builtin_role("Key Vault Crypto User");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->id, kCryptoUser);
  EXPECT_EQ(
      find_builtin_role("/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/" +
                        kCryptoUser),
      user);
  EXPECT_TRUE(user->allows_data_action(kKv + "keys/unwrap/action"));
  EXPECT_FALSE(user->allows_data_action(kKv + "keys/create/action"));
  EXPECT_TRUE(
      find_builtin_role("Key Vault Crypto Officer")->allows_data_action(kKv + "keys/purge/action"));
  EXPECT_FALSE(find_builtin_role("Key Vault Contributor")->allows_data_action(kKv + "keys/read"));
  EXPECT_FALSE(find_builtin_role("Owner")->allows_data_action(kKv + "keys/read"));
  const RoleDefinition* cseu = find_builtin_role("e147488a-f6f5-4113-8e2d-b22465e65bf6");
  EXPECT_TRUE(cseu->allows_data_action(kKv + "keys/wrap/action"));
  EXPECT_FALSE(cseu->allows_data_action(kKv + "keys/encrypt/action"));
  EXPECT_TRUE(find_builtin_role("Key Vault Reader")->allows_data_action(kKv + "keys/read"));
  EXPECT_EQ(find_builtin_role("no such role"), nullptr);
}

TEST(RbacTest, AssignmentsDecideByPrincipalScopeAndRoleAndPersist) {
  auto store = store::open_store("memory");
  {
    RoleAssignments roles(*store);
    roles.put(assignment("a1", kVault + "/keys/only", kCryptoUser, "p1"));
    EXPECT_TRUE(
        roles.check_data_action("p1", kKv + "keys/decrypt/action", kVault + "/keys/only").allowed);
    EXPECT_FALSE(
        roles.check_data_action("p1", kKv + "keys/decrypt/action", kVault + "/keys/other").allowed);
    EXPECT_FALSE(
        roles.check_data_action("p2", kKv + "keys/decrypt/action", kVault + "/keys/only").allowed);
    roles.put(assignment("a2", "/subscriptions/s1", kCryptoUser, "p2"));
  }
  RoleAssignments reloaded(*store);
  const auto d = reloaded.check_data_action("P2", kKv + "keys/sign/action", kVault + "/keys/any");
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.assignment->name, "a2");
  EXPECT_EQ(d.assignment->id(),
            "/subscriptions/s1/providers/Microsoft.Authorization/roleAssignments/a2");
  reloaded.erase_under(kVault);
  EXPECT_FALSE(reloaded.find("a1").has_value()) << "a vault's own assignments go with it";
  EXPECT_TRUE(reloaded.find("a2").has_value()) << "wider scopes stay";
  EXPECT_TRUE(reloaded.erase("a2"));
  EXPECT_FALSE(reloaded.erase("a2"));
  EXPECT_TRUE(RoleAssignments(*store).list().empty());
}

// issue 9 defect 4: the cache changes only after the store commits. Before the fix a failed
// delete left moved-from entries in the cache, and RBAC denied until a restart.
TEST(RbacTest, AFailedEraseUnderKeepsEveryAssignmentInForce) {
  auto inner = store::open_store("memory");
  testing::FullDiskStore store(*inner);
  RoleAssignments roles(store);
  roles.put(assignment("a1", kVault, kCryptoUser, "p1"));
  roles.put(assignment("a2", kVault + "/keys/k", kCryptoUser, "p2"));
  roles.put(assignment("a3", "/subscriptions/s1/resourceGroups/other", kCryptoUser, "p3"));

  store.full = true;
  EXPECT_THROW(roles.erase_under(kVault, {store::Op::del("/other/resource")}), store::StoreError);
  EXPECT_EQ(store.refused, 1) << "one transaction, the caller's ops with the assignments'";
  EXPECT_TRUE(
      roles.check_data_action("p1", kKv + "keys/decrypt/action", kVault + "/keys/k").allowed);
  EXPECT_TRUE(roles.check_data_action("p2", kKv + "keys/sign/action", kVault + "/keys/k").allowed);
  ASSERT_TRUE(roles.find("a2").has_value());
  EXPECT_EQ(roles.find("a2")->principal_id, "p2");
  EXPECT_EQ(roles.list().size(), 3u);

  store.full = false;
  inner->put("/other/resource", "x");
  roles.erase_under(kVault, {store::Op::del("/other/resource")});
  EXPECT_FALSE(inner->get("/other/resource").has_value());
  EXPECT_FALSE(roles.check_data_action("p1", kKv + "keys/decrypt/action", kVault).allowed);
  EXPECT_EQ(RoleAssignments(*inner).list().size(), 1u) << "the store agrees with the cache";
}

TEST(DirectoryTest, ServicePrincipalSecretsAreCheckedNotStored) {
  auto store = store::open_store("memory");
  core::SeededRng rng(7);
  Directory dir(*store, rng);
  std::string secret;
  const auto sp = dir.create_service_principal("T1", "app", secret);
  EXPECT_EQ(secret.size(), 40u);
  EXPECT_EQ(store->get("/id/sp/" + sp.app_id)->value.find(secret), std::string::npos);
  const auto found = dir.find_service_principal(sp.app_id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->tenant_id, "t1");
  EXPECT_TRUE(dir.check_secret(*found, secret));
  EXPECT_FALSE(dir.check_secret(*found, secret + "x"));
  EXPECT_FALSE(dir.check_secret(*found, ""));
}

TEST(DirectoryTest, ManagedIdentitiesKeepTheirIdsAcrossUpdates) {
  auto store = store::open_store("memory");
  core::SeededRng rng(7);
  Directory dir(*store, rng);
  ManagedIdentity mi;
  mi.id = managed_identity_id("s1", "rg", "id1");
  mi.name = "id1";
  const auto created = dir.put_managed_identity(mi);
  EXPECT_FALSE(created.client_id.empty());
  EXPECT_NE(created.client_id, created.principal_id);
  mi.id = core::to_lower(mi.id);
  mi.tags = {{"a", "b"}};
  const auto updated = dir.put_managed_identity(mi);
  EXPECT_EQ(updated.client_id, created.client_id);
  EXPECT_EQ(updated.id, created.id) << "the id keeps the case it was created with";
  EXPECT_EQ(dir.find_managed_identity_by_client_id(created.client_id)->principal_id,
            created.principal_id);
  EXPECT_EQ(dir.find_managed_identity_by_principal_id(created.principal_id)->tags["a"], "b");
  EXPECT_EQ(dir.list_managed_identities().size(), 1u);
  EXPECT_TRUE(dir.erase_managed_identity(created.id));
  EXPECT_FALSE(dir.find_managed_identity(created.id));
}

}  // namespace
}  // namespace kmslab::identity
