// RSA encrypt/decrypt (RSA1_5, RSA-OAEP, RSA-OAEP-256) and sign/verify (RS*, PS*, RSNULL).
#include <gtest/gtest.h>

#include "emulator/keyvault/crypto/key_material.hpp"
#include "test_support.hpp"

namespace kmslab::keyvault::crypto {
namespace {

using support::digest;
using support::rsa_key;

struct EncryptionCase {
  const char* alg;
  size_t overhead;  // k - max plaintext
};
constexpr EncryptionCase kEncryption[] = {{"RSA1_5", 11}, {"RSA-OAEP", 42}, {"RSA-OAEP-256", 66}};

TEST(RsaEncrypt, RoundTripAtTheMaximumPlaintext) {
  for (int64_t bits : {2048}) {  // 3072/4096: KeyGenerate.RsaLargerSizes
    const KeyMaterial& key = rsa_key(bits);
    const size_t k = static_cast<size_t>(bits / 8);
    for (const auto& [alg, overhead] : kEncryption) {
      const std::string plaintext(k - overhead, '\x5a');
      auto ciphertext = key.encrypt(alg, plaintext);
      ASSERT_TRUE(ciphertext) << alg << ": " << ciphertext.error().message;
      EXPECT_EQ(ciphertext->size(), k);
      auto back = key.decrypt(alg, *ciphertext);
      ASSERT_TRUE(back) << alg << ": " << back.error().message;
      EXPECT_EQ(*back, plaintext);
    }
  }
}

TEST(RsaEncrypt, SmallAndEmptyPlaintexts) {
  for (const auto& [alg, overhead] : kEncryption) {
    for (std::string plaintext : {std::string(), std::string("\0\x01", 2), std::string(32, 'k')}) {
      auto c = rsa_key().encrypt(alg, plaintext);
      ASSERT_TRUE(c) << alg;
      EXPECT_EQ(*rsa_key().decrypt(alg, *c), plaintext) << alg;
    }
  }
}

TEST(RsaEncrypt, OneByteTooLongIsABadParameter) {
  const std::pair<const char*, size_t> cases[] = {
      {"RSA1_5", 245}, {"RSA-OAEP", 214}, {"RSA-OAEP-256", 190}};
  for (auto [alg, maximum] : cases) {
    auto r = rsa_key().encrypt(alg, std::string(maximum + 1, 'a'));
    ASSERT_FALSE(r) << alg;
    EXPECT_EQ(r.error().status, 400u);
    EXPECT_EQ(r.error().code, "BadParameter");
    EXPECT_EQ(r.error().message, "Invalid length of 'value': " + std::to_string(maximum + 1) +
                                     " bytes. " + alg + " with a 2048-bit key allows at most " +
                                     std::to_string(maximum) + " bytes, encoded with base64url.");
  }
}

TEST(RsaDecrypt, TamperedCiphertextIsABadParameter) {
  for (const auto& [alg, overhead] : kEncryption) {
    auto c = rsa_key().encrypt(alg, "attack at dawn");
    ASSERT_TRUE(c);
    std::string tampered = *c;
    tampered[10] ^= 0x40;
    auto r = rsa_key().decrypt(alg, tampered);
    ASSERT_FALSE(r) << alg;
    EXPECT_EQ(r.error().status, 400u);
    EXPECT_EQ(r.error().code, "BadParameter");
    const std::string padding = std::string(alg) == "RSA1_5" ? "PKCS1" : "OAEP";
    EXPECT_EQ(r.error().message, "Error occurred while decoding " + padding + " padding.");
  }
}

TEST(RsaDecrypt, WrongAlgorithmFailsCleanly) {
  auto c = rsa_key().encrypt("RSA-OAEP-256", "k");
  ASSERT_TRUE(c);
  auto r = rsa_key().decrypt("RSA-OAEP", *c);  // SHA-1 label hash cannot match
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Error occurred while decoding OAEP padding.");
}

TEST(RsaDecrypt, CiphertextMustBeTheModulusSize) {
  for (size_t len : {0, 255, 257, 512}) {
    auto r = rsa_key().decrypt("RSA-OAEP", std::string(len, '\x01'));
    ASSERT_FALSE(r) << len;
    EXPECT_EQ(r.error().status, 400u);
    EXPECT_EQ(r.error().message, "Invalid length of 'value': " + std::to_string(len) +
                                     " bytes. RSA-OAEP requires 256 bytes, encoded with "
                                     "base64url.");
  }
  // All-ones is above the modulus: a decoding error, not a crash.
  auto r = rsa_key().decrypt("RSA1_5", std::string(256, '\xff'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "BadParameter");
}

TEST(RsaSign, EveryAlgorithmSignsAndVerifies) {
  for (const char* alg : {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}) {
    const std::string d = digest(support::hash_for(alg), "hello");
    auto sig = rsa_key().sign(alg, d);
    ASSERT_TRUE(sig) << alg << ": " << sig.error().message;
    EXPECT_EQ(sig->size(), 256u);
    EXPECT_TRUE(*rsa_key().verify(alg, d, *sig)) << alg;
    std::string tampered = *sig;
    tampered[5] ^= 1;
    EXPECT_FALSE(*rsa_key().verify(alg, d, tampered)) << alg;
    EXPECT_FALSE(*rsa_key().verify(alg, digest(support::hash_for(alg), "other"), *sig)) << alg;
    EXPECT_FALSE(*rsa_key().verify(alg, d, sig->substr(1))) << alg << " short signature";
  }
}

TEST(RsaSign, PkcsSignaturesAreDeterministicAndDistinctFromPss) {
  const std::string d = digest("SHA256", "x");
  EXPECT_EQ(*rsa_key().sign("RS256", d), *rsa_key().sign("RS256", d));
  EXPECT_FALSE(*rsa_key().verify("PS256", d, *rsa_key().sign("RS256", d)));
}

TEST(RsaSign, RsnullPadsTheBytesAsGiven) {
  // A client-built DigestInfo for SHA-256 signed with RSNULL equals an RS256 signature.
  const std::string d = digest("SHA256", "digestinfo");
  const std::string prefix(
      "\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00"
      "\x04\x20",
      19);
  auto raw = rsa_key().sign("RSNULL", prefix + d);
  ASSERT_TRUE(raw) << raw.error().message;
  EXPECT_EQ(*raw, *rsa_key().sign("RS256", d));
  EXPECT_TRUE(*rsa_key().verify("RSNULL", prefix + d, *raw));
  EXPECT_TRUE(*rsa_key().verify("RS256", d, *raw));
  EXPECT_TRUE(rsa_key().sign("RSNULL", std::string(245, 'a')));
  auto r = rsa_key().sign("RSNULL", std::string(246, 'a'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "Invalid length of 'value': 246 bytes. RSNULL with a 2048-bit key allows at most 245 "
            "bytes, encoded with base64url.");
}

TEST(RsaSign, DigestLengthMustMatchTheAlgorithm) {
  const std::tuple<const char*, size_t, size_t> cases[] = {{"RS256", 44, 32}, {"RS384", 32, 48},
                                                           {"RS512", 48, 64}, {"PS256", 0, 32},
                                                           {"PS384", 64, 48}, {"PS512", 63, 64}};
  for (const auto& [alg, given, required] : cases) {
    auto r = rsa_key().sign(alg, std::string(given, 'd'));
    ASSERT_FALSE(r) << alg;
    EXPECT_EQ(r.error().status, 400u);
    EXPECT_EQ(r.error().code, "BadParameter");
    EXPECT_EQ(r.error().message, "Invalid length of 'value': " + std::to_string(given) +
                                     " bytes. " + alg + " requires " + std::to_string(required) +
                                     " bytes, encoded with base64url.");
    auto v = rsa_key().verify(alg, std::string(given, 'd'), std::string(256, 's'));
    ASSERT_FALSE(v) << alg;
    EXPECT_EQ(v.error().message, "Invalid length of 'digest': " + std::to_string(given) +
                                     " bytes. " + alg + " requires " + std::to_string(required) +
                                     " bytes, encoded with base64url.");
  }
}

TEST(RsaAlgorithms, MismatchesAndUnknownNames) {
  const KeyMaterial& key = rsa_key();
  auto es = key.sign("ES256", std::string(32, 'd'));
  ASSERT_FALSE(es);
  EXPECT_EQ(es.error().status, 400u);
  EXPECT_EQ(es.error().message,
            "Key and signing algorithm are incompatible. Key uses key type 'RSA', and algorithm "
            "'ES256' can only be used with key type 'EC'.");
  auto aes = key.encrypt("A256GCM", "x");
  ASSERT_FALSE(aes);
  EXPECT_EQ(aes.error().message,
            "Key and encryption algorithm are incompatible. Key uses key type 'RSA', and "
            "algorithm 'A256GCM' can only be used with key type 'oct'.");
  auto hs = key.verify("HS256", std::string(32, 'd'), "sig");
  ASSERT_FALSE(hs);
  EXPECT_EQ(hs.error().code, "BadParameter");
  for (const char* unknown : {"RS1", "rsa-oaep", "", "ECDSA256", "RS256 "}) {
    auto r = key.encrypt(unknown, "x");
    ASSERT_FALSE(r) << unknown;
    EXPECT_EQ(r.error().message, std::string("Invalid alg value: ") + unknown);
  }
  // A signature algorithm is not an encryption algorithm, and the reverse.
  EXPECT_EQ(key.encrypt("RS256", "x").error().message, "Invalid alg value: RS256");
  EXPECT_EQ(key.sign("RSA-OAEP", "x").error().message, "Invalid alg value: RSA-OAEP");
  EXPECT_EQ(key.decrypt("PS256", "x").error().message, "Invalid alg value: PS256");
}

}  // namespace
}  // namespace kmslab::keyvault::crypto
