// Key generation, kty/size/curve validation, the public JWK, and the stored form.
#include "emulator/keyvault/crypto/key_material.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "emulator/core/base64url.hpp"
#include "emulator/keyvault/crypto/crypto_errors.hpp"
#include "test_support.hpp"

namespace kmslab::keyvault::crypto {
namespace {

using support::b64url_decode;
using support::ec_key;
using support::rsa_key;

KeyParams params(std::string kty) {
  return KeyParams{std::move(kty), {}, {}, {}};
}

void expect_error(const core::ApiError& e, unsigned status, const std::string& code,
                  const std::string& message) {
  EXPECT_EQ(e.status, status);
  EXPECT_EQ(e.code, code);
  EXPECT_EQ(e.message, message);
}

TEST(KeyGenerate, RsaDefaultsTo2048WithExponent65537) {
  auto key = KeyMaterial::generate(params("RSA"), false);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->kty(), "RSA");
  EXPECT_EQ(key->bits(), 2048);
  const auto jwk = key->public_jwk();
  EXPECT_EQ(jwk.at("e"), "AQAB");
  const std::string n = b64url_decode(jwk.at("n").get<std::string>());
  EXPECT_EQ(n.size(), 256u);
  EXPECT_NE(n[0], '\0') << "n must have no leading zero byte";
  EXPECT_EQ(jwk.size(), 3u) << jwk.dump();
  EXPECT_EQ(key->default_key_ops(), (std::vector<std::string>{"encrypt", "decrypt", "sign",
                                                              "verify", "wrapKey", "unwrapKey"}));
}

TEST(KeyGenerate, RsaLargerSizes) {
  // 4096 only once in the suite (slow): the shared key is reused by the RSA operation tests.
  for (int64_t bits : {3072, 4096}) {
    const KeyMaterial& key = rsa_key(bits);
    EXPECT_EQ(key.bits(), bits);
    const size_t k = static_cast<size_t>(bits / 8);
    EXPECT_EQ(b64url_decode(key.public_jwk().at("n").get<std::string>()).size(), k);
    const std::string plaintext(k - 66, 'p');  // the RSA-OAEP-256 maximum grows with k
    auto c = key.encrypt("RSA-OAEP-256", plaintext);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(*key.decrypt("RSA-OAEP-256", *c), plaintext);
    EXPECT_FALSE(key.encrypt("RSA-OAEP-256", plaintext + "p"));
  }
}

TEST(KeyGenerate, EcEveryCurve) {
  const std::tuple<std::string, int, size_t> curves[] = {
      {"P-256", 256, 32}, {"P-384", 384, 48}, {"P-521", 521, 66}, {"P-256K", 256, 32}};
  for (const auto& [crv, bits, width] : curves) {
    const KeyMaterial& key = ec_key(crv);
    EXPECT_EQ(key.kty(), "EC");
    EXPECT_EQ(key.bits(), bits) << crv;
    const auto jwk = key.public_jwk();
    EXPECT_EQ(jwk.at("crv"), crv);
    EXPECT_EQ(b64url_decode(jwk.at("x").get<std::string>()).size(), width) << crv;
    EXPECT_EQ(b64url_decode(jwk.at("y").get<std::string>()).size(), width) << crv;
    EXPECT_FALSE(jwk.contains("d"));
    EXPECT_EQ(jwk.size(), 4u) << jwk.dump();
    EXPECT_EQ(key.default_key_ops(), (std::vector<std::string>{"sign", "verify"}));
  }
}

TEST(KeyGenerate, EcDefaultsToP256AndIgnoresKeySize) {
  auto key = KeyMaterial::generate(KeyParams{"EC", 256, std::nullopt, std::nullopt}, false);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->public_jwk().at("crv"), "P-256");
}

TEST(KeyGenerate, HsmTypesNeedPremium) {
  for (const char* kty : {"RSA-HSM", "EC-HSM"}) {
    auto refused = KeyMaterial::generate(params(kty), false);
    ASSERT_FALSE(refused) << kty;
    expect_error(refused.error(), 403, "Forbidden",
                 "Hardware key operation not allowed on standard vault");
    auto made = KeyMaterial::generate(params(kty), true);
    ASSERT_TRUE(made) << kty;
    EXPECT_EQ(made->kty(), kty);
    EXPECT_EQ(made->public_jwk().at("kty"), kty);
  }
}

TEST(KeyGenerate, OctIsRefusedWithTheRealError) {
  for (const char* kty : {"oct", "oct-HSM"}) {
    for (bool premium : {false, true}) {
      auto r = KeyMaterial::generate(params(kty), premium);
      ASSERT_FALSE(r);
      expect_error(r.error(), 400, "BadParameter", std::string("Invalid kty value: ") + kty);
      EXPECT_EQ(r.error().inner_code, "KeyTypeNotSupported");
    }
  }
}

TEST(KeyGenerate, UnknownKty) {
  auto r = KeyMaterial::generate(params("DSA"), true);
  ASSERT_FALSE(r);
  expect_error(r.error(), 400, "BadParameter", "Invalid kty value: DSA");
  EXPECT_FALSE(r.error().inner_code);
}

TEST(KeyGenerate, RsaSizeAndExponentLimits) {
  for (int64_t bits : {1024, 2047, 8192, 0, -1}) {
    auto r = KeyMaterial::generate(KeyParams{"RSA", bits, std::nullopt, std::nullopt}, false);
    ASSERT_FALSE(r) << bits;
    expect_error(r.error(), 400, "BadParameter",
                 "Unsupported key size (" + std::to_string(bits) +
                     "). Supported sizes are [2048, 3072, 4096]");
  }
  for (int64_t e : {3, 17, 65539}) {
    auto r = KeyMaterial::generate(KeyParams{"RSA", std::nullopt, e, std::nullopt}, false);
    ASSERT_FALSE(r) << e;
    expect_error(
        r.error(), 400, "BadParameter",
        "Unsupported public exponent (" + std::to_string(e) + "). Supported values are [65537]");
  }
  auto explicit_default = KeyMaterial::generate(KeyParams{"RSA", 2048, 65537, "P-256"}, false);
  EXPECT_TRUE(explicit_default) << "crv is ignored for RSA";
}

TEST(KeyGenerate, UnknownCurve) {
  for (const char* crv : {"P-192", "p-256", "SECP256K1", ""}) {
    auto r = KeyMaterial::generate(KeyParams{"EC", std::nullopt, std::nullopt, crv}, false);
    ASSERT_FALSE(r) << crv;
    expect_error(r.error(), 400, "BadParameter", std::string("Invalid crv value: ") + crv);
  }
}

TEST(KeyStore, SerializeRoundTripKeepsTheKey) {
  const KeyMaterial* keys[] = {&rsa_key(), &ec_key("P-256"), &ec_key("P-521"), &ec_key("P-256K")};
  for (const KeyMaterial* original : keys) {
    const std::string stored = original->serialize();
    EXPECT_TRUE(stored.starts_with("v1:" + original->kty() + ":")) << stored.substr(0, 10);
    KeyMaterial restored = KeyMaterial::deserialize(stored);
    EXPECT_EQ(restored.kty(), original->kty());
    EXPECT_EQ(restored.bits(), original->bits());
    EXPECT_EQ(restored.public_jwk(), original->public_jwk());
    // A signature by the restored key verifies with the original.
    const bool rsa = original->kty() == "RSA";
    const std::string alg = rsa                                            ? "PS256"
                            : original->public_jwk().at("crv") == "P-521"  ? "ES512"
                            : original->public_jwk().at("crv") == "P-256K" ? "ES256K"
                                                                           : "ES256";
    const std::string d = support::digest(support::hash_for(alg), "stored");
    auto sig = restored.sign(alg, d);
    ASSERT_TRUE(sig) << sig.error().message;
    auto ok = original->verify(alg, d, *sig);
    ASSERT_TRUE(ok);
    EXPECT_TRUE(*ok) << alg;
  }
}

TEST(KeyStore, HsmKindSurvivesTheRoundTrip) {
  auto key = KeyMaterial::generate(params("EC-HSM"), true);
  ASSERT_TRUE(key);
  EXPECT_EQ(KeyMaterial::deserialize(key->serialize()).kty(), "EC-HSM");
}

TEST(KeyStore, GarbageThrowsAndNeverCrashes) {
  const std::string rsa_stored = rsa_key().serialize();
  const std::string ec_stored = ec_key().serialize();
  const std::string rsa_der = rsa_stored.substr(rsa_stored.rfind(':') + 1);
  const std::string ec_der = ec_stored.substr(ec_stored.rfind(':') + 1);
  const std::string truncated = core::base64url_encode(b64url_decode(rsa_der).substr(0, 300));
  const std::string trailing = core::base64url_encode(b64url_decode(ec_der) + "x");
  const std::vector<std::string> bad{
      "",
      "v1",
      "v1:",
      "v1:RSA",
      "v1:RSA:",
      "v2:RSA:" + rsa_der,
      "v1:oct:" + rsa_der,
      "v1:rsa:" + rsa_der,
      "v1:EC:" + rsa_der,  // the tag must match the key inside
      "v1:RSA:" + ec_der,
      "v1:RSA:" + truncated,
      "v1:EC:" + trailing,
      "v1:RSA:!!!!",
      "v1:RSA:AAAA",
      std::string("v1:EC:\0\xff", 8),
      "garbage",
  };
  for (const std::string& s : bad) {
    EXPECT_THROW(KeyMaterial::deserialize(s), std::runtime_error) << s.substr(0, 40);
  }
}

TEST(KeyStore, EveryCorruptedByteThrowsOrYieldsAKey) {
  // Flip each byte of a stored P-256 key's DER: the decoder must reject or accept, never crash
  // (run under ASan/UBSan in CI).
  const std::string stored = ec_key().serialize();
  const std::string der = b64url_decode(stored.substr(stored.rfind(':') + 1));
  size_t rejected = 0;
  for (size_t i = 0; i < der.size(); ++i) {
    std::string bad = der;
    bad[i] = static_cast<char>(bad[i] ^ 0xa5);
    try {
      KeyMaterial key = KeyMaterial::deserialize("v1:EC:" + core::base64url_encode(bad));
      EXPECT_EQ(key.kty(), "EC");
    } catch (const std::runtime_error&) {
      ++rejected;
    }
  }
  // A decoder that accepted every flipped byte would not be checking the DER at all.
  EXPECT_GT(rejected, 0u);
}

TEST(KeyStore, RefusesKeysAVaultCannotHold) {
  // A 1024-bit RSA key in the right container is still not a vault key.
  ossl::PkeyPtr small(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)));
  ASSERT_TRUE(small);
  auto imported = KeyMaterial::import_jwk(support::private_jwk_of(small.get()), false, false);
  ASSERT_FALSE(imported);
  EXPECT_EQ(imported.error().message,
            "Unsupported key size (1024). Supported sizes are [2048, "
            "3072, 4096]");
}

TEST(KeyThreads, ConcurrentOperationsOnOneKey) {
  const KeyMaterial& rsa = rsa_key();
  const KeyMaterial& ec = ec_key();
  const std::string d = support::digest("SHA256", "threads");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto s1 = rsa.sign("PS256", d);
        auto s2 = ec.sign("ES256", d);
        auto c = rsa.encrypt("RSA-OAEP-256", "secret");
        if (!s1 || !s2 || !c || !*rsa.verify("PS256", d, *s1) || !*ec.verify("ES256", d, *s2) ||
            *rsa.decrypt("RSA-OAEP-256", *c) != "secret") {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace kmslab::keyvault::crypto
