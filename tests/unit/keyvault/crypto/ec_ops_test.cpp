// ECDSA sign/verify: curve/algorithm pairing, raw digests, R||S encoding.
#include "emulator/keyvault/crypto/ec_ops.hpp"

#include <gtest/gtest.h>

#include "emulator/keyvault/crypto/crypto_errors.hpp"
#include "emulator/keyvault/crypto/key_material.hpp"
#include "test_support.hpp"

namespace kmslab::keyvault::crypto {
namespace {

using support::digest;
using support::ec_key;

struct CurveCase {
  const char* crv;
  const char* alg;
  size_t digest_bytes;
  size_t half;  // bytes of R and of S
};
constexpr CurveCase kCurves[] = {{"P-256", "ES256", 32, 32},
                                 {"P-256K", "ES256K", 32, 32},
                                 {"P-384", "ES384", 48, 48},
                                 {"P-521", "ES512", 64, 66}};

TEST(EcSign, EveryCurveSignsAndVerifies) {
  for (const auto& c : kCurves) {
    const KeyMaterial& key = ec_key(c.crv);
    const std::string d = digest(support::hash_for(c.alg), "message");
    ASSERT_EQ(d.size(), c.digest_bytes);
    auto sig = key.sign(c.alg, d);
    ASSERT_TRUE(sig) << c.alg << ": " << sig.error().message;
    EXPECT_EQ(sig->size(), 2 * c.half) << c.alg;
    EXPECT_TRUE(*key.verify(c.alg, d, *sig)) << c.alg;
    std::string tampered = *sig;
    tampered.back() ^= 1;
    EXPECT_FALSE(*key.verify(c.alg, d, tampered)) << c.alg;
    EXPECT_FALSE(*key.verify(c.alg, digest(support::hash_for(c.alg), "other"), *sig)) << c.alg;
  }
}

TEST(EcSign, MalformedSignatureLengthIsFalseNotAnError) {
  const KeyMaterial& key = ec_key("P-256");
  const std::string d = digest("SHA256", "m");
  auto sig = key.sign("ES256", d);
  ASSERT_TRUE(sig);
  for (const std::string& bad : {std::string(), sig->substr(1), *sig + "x", std::string(72, '0')}) {
    auto v = key.verify("ES256", d, bad);
    ASSERT_TRUE(v) << bad.size();
    EXPECT_FALSE(*v) << bad.size();
  }
  EXPECT_FALSE(*key.verify("ES256", d, std::string(64, '\0'))) << "r = s = 0";
}

TEST(EcSign, WrongDigestLengthUsesTheRealMessage) {
  auto r = ec_key("P-256").sign("ES256", std::string(44, 'd'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 400u);
  EXPECT_EQ(r.error().code, "BadParameter");
  EXPECT_EQ(r.error().message,
            "Invalid length of 'value': 44 bytes. ES256 requires 32 bytes, encoded with "
            "base64url.");
  for (const auto& c : kCurves) {
    for (size_t wrong : {c.digest_bytes - 1, c.digest_bytes + 1, size_t{0}}) {
      auto s = ec_key(c.crv).sign(c.alg, std::string(wrong, 'd'));
      ASSERT_FALSE(s) << c.alg << " " << wrong;
      auto v = ec_key(c.crv).verify(c.alg, std::string(wrong, 'd'), std::string(2 * c.half, 's'));
      ASSERT_FALSE(v) << c.alg << " " << wrong;
      EXPECT_TRUE(v.error().message.starts_with("Invalid length of 'digest': "));
    }
  }
}

TEST(EcSign, CurveMustMatchTheAlgorithm) {
  auto r = ec_key("P-256").sign("ES384", std::string(48, 'd'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 400u);
  EXPECT_EQ(r.error().message,
            "Key and signing algorithm are incompatible. Key uses curve 'P-256', and algorithm "
            "'ES384' can only be used with curve 'P-384'.");
  // The handler adds the kid, as the real message carries it.
  EXPECT_EQ(errors::with_key_id(r.error(), "https://v.vault.azure.net/keys/k/1").message,
            "Key and signing algorithm are incompatible. Key https://v.vault.azure.net/keys/k/1 "
            "uses curve 'P-256', and algorithm 'ES384' can only be used with curve 'P-384'.");
  const core::ApiError unnamed = errors::invalid_algorithm("X");
  EXPECT_EQ(errors::with_key_id(unnamed, "kid").message, unnamed.message) << "names no key";
  // Reported before the digest length, as the real service does for ES256K with 3 bytes.
  auto k = ec_key("P-256").sign("ES256K", "abc");
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().message,
            "Key and signing algorithm are incompatible. Key uses curve 'P-256', and algorithm "
            "'ES256K' can only be used with curve 'P-256K'.");
  for (const auto& c : kCurves) {
    for (const auto& other : kCurves) {
      if (std::string(c.crv) == other.crv) continue;
      EXPECT_FALSE(ec_key(c.crv).verify(other.alg, std::string(other.digest_bytes, 'd'), "s"))
          << c.crv << " " << other.alg;
    }
  }
}

TEST(EcAlgorithms, RsaAlgorithmsAndEncryptionAreRefused) {
  const KeyMaterial& key = ec_key("P-256");
  auto rs = key.sign("RS256", std::string(32, 'd'));
  ASSERT_FALSE(rs);
  EXPECT_EQ(rs.error().message,
            "Key and signing algorithm are incompatible. Key uses key type 'EC', and algorithm "
            "'RS256' can only be used with key type 'RSA'.");
  for (const char* alg : {"RSA-OAEP", "RSA-OAEP-256", "RSA1_5"}) {
    auto e = key.encrypt(alg, "x");
    ASSERT_FALSE(e) << alg;
    EXPECT_EQ(e.error().status, 400u);
    EXPECT_EQ(e.error().message, std::string("Key and encryption algorithm are incompatible. Key "
                                             "uses key type 'EC', and algorithm '") +
                                     alg + "' can only be used with key type 'RSA'.");
    EXPECT_FALSE(key.decrypt(alg, std::string(256, 'c'))) << alg;
  }
  EXPECT_EQ(key.encrypt("nope", "x").error().message, "Invalid alg value: nope");
}

TEST(EcEncoding, RawAndDerConvertBothWays) {
  const std::string raw = std::string(31, '\0') + "\x01" + std::string(32, '\x80');
  auto der = ec::raw_to_der(raw, 32);
  ASSERT_TRUE(der);
  EXPECT_EQ(ec::der_to_raw(*der, 32), raw);
  EXPECT_FALSE(ec::raw_to_der(raw, 48));
  EXPECT_FALSE(ec::der_to_raw("not der", 32));
  EXPECT_FALSE(ec::der_to_raw(*der, 16)) << "S is wider than 16 bytes";
}

}  // namespace
}  // namespace kmslab::keyvault::crypto
