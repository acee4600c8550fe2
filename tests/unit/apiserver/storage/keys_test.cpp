#include "emulator/apiserver/storage/keys.hpp"

#include <gtest/gtest.h>

namespace kmslab::apiserver::storage {
namespace {

TEST(RegistryKeys, PrefixIsNormalisedAsPathJoin) {
  EXPECT_EQ(normalise_prefix("/registry"), "/registry");
  EXPECT_EQ(normalise_prefix("registry"), "/registry");
  EXPECT_EQ(normalise_prefix("//registry//x/"), "/registry/x");
  EXPECT_EQ(normalise_prefix(""), "/");
  EXPECT_EQ(normalise_prefix("/"), "/");
}

// kms.md §2.3: the key is the authenticated data, so its shape must be kube-apiserver's.
TEST(RegistryKeys, NamespacedAndClusterScopedKeys) {
  EXPECT_EQ(object_key("/registry", {"secrets", "default", "s1"}), "/registry/secrets/default/s1");
  EXPECT_EQ(object_key("/registry", {"namespaces", "", "default"}), "/registry/namespaces/default");
  EXPECT_EQ(object_key("/", {"secrets", "ns", "a"}), "/secrets/ns/a");
  EXPECT_EQ(collection_prefix("/registry", "secrets", "default"), "/registry/secrets/default/");
  EXPECT_EQ(collection_prefix("/registry", "secrets", ""), "/registry/secrets/");
}

}  // namespace
}  // namespace kmslab::apiserver::storage
