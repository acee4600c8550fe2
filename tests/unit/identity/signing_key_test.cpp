// The token-signing key: its JWKS form, and that it survives a store reopen (tokens issued before
// a restart verify after it).
#include "emulator/identity/signing_key.hpp"

#include <gtest/gtest.h>

#include "emulator/core/base64url.hpp"
#include "emulator/identity/jwt.hpp"
#include "tests/unit/identity/identity_test_support.hpp"

namespace kmslab::identity {
namespace {

TEST(SigningKey, JwkIsAnRsaSigningKeyWithAStableKid) {
  const auto& key = *testing::shared_key();
  const auto jwk = key.jwk();
  EXPECT_EQ(jwk["kty"], "RSA");
  EXPECT_EQ(jwk["use"], "sig");
  EXPECT_EQ(jwk["kid"], key.kid());
  EXPECT_EQ(jwk["e"], "AQAB");
  const auto n = core::base64url_decode(jwk["n"].get<std::string>());
  ASSERT_TRUE(n);
  EXPECT_EQ(n->size(), 256u);  // RSA-2048, no leading zero byte
  EXPECT_EQ(key.kid().size(), 27u);
  EXPECT_EQ(key.jwks(), nlohmann::json({{"keys", {jwk}}}));
  EXPECT_FALSE(jwk.contains("d"));  // never the private part
}

TEST(SigningKey, RecordRoundTripsAndKeepsTheKid) {
  const auto& key = *testing::shared_key();
  const auto again = SigningKey::from_record(key.to_record());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kid(), key.kid());
  const std::string sig = key.sign_rs256("data");
  EXPECT_TRUE(again->verify_rs256("data", sig));
  EXPECT_FALSE(again->verify_rs256("date", sig));
}

TEST(SigningKey, CorruptRecordsAreRefused) {
  for (const std::string bad :
       {"", "{}", "[]", R"({"pkcs8_pem":7})", R"({"pkcs8_pem":"-----BEGIN PRIVATE KEY-----"})"}) {
    EXPECT_FALSE(SigningKey::from_record(bad)) << bad;
  }
}

TEST(SigningKey, PersistsAcrossStoreReopen) {
  testing::TempDir dir;
  const std::string spec = "sqlite:" + dir.file("store.db");
  std::string kid;
  std::string token;
  const auto now = *core::parse_rfc3339("2026-05-01T10:00:00Z");
  {
    auto store = store::open_store(spec);
    const SigningKey key = SigningKey::load_or_create(*store);
    kid = key.kid();
    token = jwt::sign({{"exp", 1893456000}}, key);             // 2030
    EXPECT_EQ(SigningKey::load_or_create(*store).kid(), kid);  // loaded, not regenerated
  }
  auto store = store::open_store(spec);
  const SigningKey key = SigningKey::load_or_create(*store);
  EXPECT_EQ(key.kid(), kid);
  EXPECT_TRUE(jwt::verify(token, key, now).ok());
  EXPECT_EQ(store->get(SigningKey::kStoreKey)->version, 1);
}

TEST(SigningKey, CorruptStoredKeyIsAnErrorNotASilentNewKey) {
  auto store = store::open_store("memory");
  store->put(SigningKey::kStoreKey, "garbage");
  EXPECT_THROW(SigningKey::load_or_create(*store), std::runtime_error);
}

}  // namespace
}  // namespace kmslab::identity
