#include "emulator/keyvault/key_record.hpp"

#include <gtest/gtest.h>

namespace kmslab::keyvault {
namespace {

KeyVersion sample() {
  KeyVersion v;
  v.name = "MyKey";
  v.version = "0123456789abcdef0123456789abcdef";
  v.material = "private";
  v.public_jwk = {{"kty", "RSA"}, {"n", "AQAB"}, {"e", "AQAB"}};
  v.key_ops = {"sign"};
  v.attributes.created = 10;
  v.attributes.updated = 11;
  v.attributes.exp = 100;
  return v;
}

TEST(KeyRecord, StoredFormRoundTrips) {
  const KeyVersion v = sample();
  const KeyVersion back = KeyVersion::from_json(v.to_json());
  EXPECT_EQ(back.to_json(), v.to_json());
  KeyMeta m{"MyKey", v.version, DeletedInfo{5, 6},
            nlohmann::json{{"lifetimeActions", nlohmann::json::array()}}};
  EXPECT_EQ(KeyMeta::from_json(m.to_json()).to_json(), m.to_json());
}

TEST(KeyRecord, BundleHasAzuresShapeAndNeverThePrivateKey) {
  VaultSettings vault;
  vault.name = "v";
  vault.retention_days = 30;
  KeyWire wire("https://v.vault.azure.net", vault);
  const std::string text = wire.bundle(sample()).dump();
  EXPECT_EQ(
      text,
      R"({"key":{"kid":"https://v.vault.azure.net/keys/MyKey/0123456789abcdef0123456789abcdef",)"
      R"("kty":"RSA","key_ops":["sign"],"n":"AQAB","e":"AQAB"},"attributes":{"enabled":true,)"
      R"("exp":100,"created":10,"updated":11,"recoveryLevel":"CustomizedRecoverable+Purgeable",)"
      R"("recoverableDays":30,"exportable":false}})");
  EXPECT_EQ(text.find("private"), std::string::npos);
}

TEST(KeyRecord, DeletedBundleStartsWithRecoveryFields) {
  VaultSettings vault;
  KeyWire wire("https://v.vault.azure.net", vault);
  const auto j = wire.deleted_bundle(sample(), {1000, 1000 + 90 * 86400});
  EXPECT_EQ(j.begin().key(), "recoveryId");
  EXPECT_EQ(j["recoveryId"], "https://v.vault.azure.net/deletedkeys/MyKey");
  EXPECT_EQ(j["scheduledPurgeDate"], 1000 + 90 * 86400);
  EXPECT_EQ(wire.item(sample(), false)["kid"], "https://v.vault.azure.net/keys/MyKey");
}

}  // namespace
}  // namespace kmslab::keyvault
