// The data plane's hot reads share what the store holds instead of copying or re-parsing it per
// request (issue 9, "the hot path"), and still see every change at once.
#include <gtest/gtest.h>

#include "emulator/keyvault/key_repository.hpp"
#include "emulator/keyvault/vault.hpp"

namespace kmslab::keyvault {
namespace {

KeyVersion version_of(const std::string& name, const std::string& id, bool enabled) {
  KeyVersion v;
  v.name = name;
  v.version = id;
  v.material = "m";
  v.public_jwk = {{"kty", "EC"}, {"crv", "P-256"}};
  v.key_ops = {"sign"};
  v.attributes.enabled = enabled;
  return v;
}

TEST(SharedReads, VaultRegistrySharesOneImmutableCopyAndReplacesItWhole) {
  auto store = store::open_store("memory");
  VaultRegistry registry(*store);
  registry.put(vault_from_flag("kv1", "tenant", "eastus"));
  auto a = registry.find_shared("KV1");
  auto b = registry.find_shared("kv1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a.get(), b.get());  // the same object, not a copy per request
  VaultSettings changed = *a;
  changed.location = "westus";
  registry.put(changed);
  auto c = registry.find_shared("kv1");
  EXPECT_EQ(c->location, "westus");
  EXPECT_EQ(a->location, "eastus");  // a request in flight keeps the settings it started with
  changed.deleted_at = 1;
  registry.put(changed);
  EXPECT_FALSE(registry.find_shared("kv1"));  // soft-deleted: not served
  EXPECT_TRUE(registry.find_any("kv1"));
  EXPECT_FALSE(registry.find_shared("nope"));
}

TEST(SharedReads, RepositoryParsesAVersionOnceUntilItChanges) {
  auto store = store::open_store("memory");
  KeyRepository keys(*store);
  VaultRegistry(*store).put(vault_from_flag("vault", "tenant", "eastus"));  // keys need a vault
  KeyMeta meta{"K1", "v1", std::nullopt, std::nullopt};
  keys.save("vault", meta, {version_of("K1", "v1", true)});
  auto first = keys.shared_version("vault", "k1", "");
  auto again = keys.shared_version("vault", "K1", "V1");
  ASSERT_TRUE(first);
  EXPECT_EQ(first.get(), again.get());  // parsed once, shared
  EXPECT_EQ(keys.shared_meta("vault", "k1").get(), keys.shared_meta("vault", "k1").get());

  // Another record's write moves the store's revision: the entry is re-checked, not re-parsed.
  keys.save("vault", KeyMeta{"other", "x", std::nullopt, std::nullopt});
  EXPECT_EQ(keys.shared_version("vault", "k1", "v1").get(), first.get());

  keys.save("vault", meta, {version_of("K1", "v1", false)});
  auto updated = keys.shared_version("vault", "k1", "v1");
  EXPECT_FALSE(updated->attributes.enabled);  // a change is seen at once
  EXPECT_TRUE(first->attributes.enabled);     // the old value stays valid for its holder
  EXPECT_FALSE(keys.version("vault", "k1", "v1")->attributes.enabled);
}

TEST(SharedReads, WritesThatBypassTheRepositoryAreSeen) {
  auto store = store::open_store("memory");
  KeyRepository keys(*store);
  VaultRegistry registry(*store);
  registry.put(vault_from_flag("vault", "tenant", "eastus"));
  keys.save("vault", KeyMeta{"k1", "v1", std::nullopt, std::nullopt},
            {version_of("k1", "v1", true)});
  ASSERT_TRUE(keys.shared_version("vault", "k1", ""));
  registry.purge("vault");  // deletes the keys with its own transaction
  EXPECT_FALSE(keys.shared_meta("vault", "k1"));
  EXPECT_FALSE(keys.shared_version("vault", "k1", "v1"));
  EXPECT_FALSE(keys.version("vault", "k1", ""));
}

}  // namespace
}  // namespace kmslab::keyvault
