#include "emulator/keyvault/vault.hpp"

#include <gtest/gtest.h>

namespace kmslab::keyvault {
namespace {

TEST(Vault, Names) {
  for (const char* good : {"abc", "my-vault-01", "A23456789012345678901234"}) {
    EXPECT_TRUE(is_valid_vault_name(good)) << good;
  }
  for (const char* bad :
       {"ab", "1abc", "abc-", "a--b", "a_b", "a.b", "A234567890123456789012345"}) {
    EXPECT_FALSE(is_valid_vault_name(bad)) << bad;
  }
}

TEST(Vault, RecoveryLevelFollowsRetentionAndPurgeProtection) {
  VaultSettings v;
  EXPECT_EQ(v.recovery_level(), "Recoverable+Purgeable");
  v.retention_days = 7;
  EXPECT_EQ(v.recovery_level(), "CustomizedRecoverable+Purgeable");
  v.purge_protection = true;
  EXPECT_EQ(v.recovery_level(), "CustomizedRecoverable");
  v.retention_days = 90;
  EXPECT_EQ(v.recovery_level(), "Recoverable");
}

TEST(Vault, RegistryPersistsAndValidates) {
  auto store = store::open_store("memory");
  VaultRegistry registry(*store);
  registry.put(vault_from_flag("MyVault:premium", "tenant", "westus"));
  auto found = registry.find("myvault");  // case-insensitive
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "MyVault");
  EXPECT_TRUE(found->premium());
  EXPECT_EQ(found->location, "westus");
  EXPECT_THROW(registry.put(vault_from_flag("x", "t", "l")), std::invalid_argument);
  EXPECT_THROW(registry.put(vault_from_flag("good-name:gold", "t", "l")), std::invalid_argument);
  VaultSettings retention = vault_from_flag("other", "t", "l");
  retention.retention_days = 6;
  EXPECT_THROW(registry.put(retention), std::invalid_argument);
  EXPECT_EQ(registry.list().size(), 1u);
}

}  // namespace
}  // namespace kmslab::keyvault
