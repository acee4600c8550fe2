// Round trips, byte layouts and corruption of each provider (kms.md §2.1, §3.1).
#include <gtest/gtest.h>

#include "emulator/apiserver/encryption/aescbc.hpp"
#include "emulator/apiserver/encryption/aesgcm.hpp"
#include "emulator/apiserver/encryption/crypto.hpp"
#include "emulator/apiserver/encryption/identity.hpp"
#include "emulator/apiserver/encryption/kms_v1.hpp"
#include "emulator/apiserver/encryption/prefix.hpp"
#include "emulator/apiserver/encryption/secretbox.hpp"
#include "emulator/core/rng.hpp"
#include "tests/unit/apiserver/encryption/fakes.hpp"

namespace kmslab::apiserver::encryption {
namespace {

using testing::error_of;

const std::string kKey = "/registry/secrets/default/s1";
const std::string kPlain("k8s\0secret-bytes", 16);

struct Providers : ::testing::Test {
  core::SeededRng rng{42};
  std::string key32 = std::string(32, '\x07');
};

TEST_F(Providers, AesGcmLayoutIsNonceCiphertextTagWithTheKeyAsAad) {
  GcmTransformer t(key32, rng);
  const std::string v = t.to_storage(kPlain, kKey);
  ASSERT_EQ(v.size(), 12 + kPlain.size() + 16);
  EXPECT_EQ(gcm_open(key32, v.substr(0, 12), v.substr(12), kKey), kPlain);
  EXPECT_EQ(t.from_storage(v, kKey).data, kPlain);
  EXPECT_EQ(error_of([&] { t.from_storage(v, "/registry/secrets/default/s2"); }),
            "cipher: message authentication failed");
  std::string flipped = v;
  flipped.back() ^= 1;
  EXPECT_EQ(error_of([&] { t.from_storage(flipped, kKey); }),
            "cipher: message authentication failed");
  EXPECT_EQ(error_of([&] { t.from_storage(v.substr(0, 5), kKey); }),
            "the stored data was shorter than the required size");
}

TEST_F(Providers, AesGcmCounterNonceIsFourRandomBytesAndALittleEndianCounter) {
  GcmTransformer t(key32, rng, GcmTransformer::Nonce::kCounter);
  const std::string a = t.to_storage("x", kKey), b = t.to_storage("x", kKey);
  EXPECT_EQ(a.substr(0, 4), b.substr(0, 4));
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(a[4 + i]);
  EXPECT_EQ(n, 1'000'000'001u);
  EXPECT_EQ(static_cast<unsigned char>(b[4]), static_cast<unsigned char>(a[4]) + 1);
}

TEST_F(Providers, AesCbcLayoutIsIvThenPaddedBlocks) {
  CbcTransformer t(std::string(16, 'k'), rng);
  const std::string v = t.to_storage(kPlain, kKey);
  EXPECT_EQ(v.size(), 16 + 32u);  // 17 bytes pad to 32
  EXPECT_EQ(t.from_storage(v, "/any/key").data, kPlain) << "CBC has no authenticated data";
  EXPECT_EQ(error_of([&] { t.from_storage(v.substr(0, 20), kKey); }),
            "the stored data is not a multiple of the block size");
  EXPECT_EQ(error_of([&] { t.from_storage("short", kKey); }),
            "the stored data was shorter than the required size");
  std::string bad = v;
  bad[20] ^= 0x55;  // garbles the last block's padding
  EXPECT_NE(error_of([&] { t.from_storage(bad, kKey); }), "(no error)");
}

TEST_F(Providers, SecretboxLayoutIsNonceThenTagThenCiphertext) {
  SecretboxTransformer t(key32, rng);
  const std::string v = t.to_storage(kPlain, kKey);
  EXPECT_EQ(v.size(), 24 + 16 + kPlain.size());
  EXPECT_EQ(t.from_storage(v, kKey).data, kPlain);
  std::string flipped = v;
  flipped[30] ^= 1;
  EXPECT_EQ(error_of([&] { t.from_storage(flipped, kKey); }),
            "output array was not large enough for encryption");
  EXPECT_EQ(error_of([&] { t.from_storage(v.substr(0, 39), kKey); }),
            "the stored data was shorter than the required size");
  EXPECT_THROW(SecretboxTransformer(std::string(16, 'k'), rng), TransformError);
}

TEST_F(Providers, IdentityRefusesEncryptedData) {
  IdentityTransformer t;
  EXPECT_EQ(t.from_storage("plain", kKey).data, "plain");
  EXPECT_EQ(error_of([&] { t.from_storage("k8s:enc:aesgcm:v1:k:xx", kKey); }),
            "identity transformer tried to read encrypted data");
}

TEST_F(Providers, PrefixReadsByPrefixAndMarksNonFirstProvidersStale) {
  auto gcm = std::make_shared<GcmTransformer>(key32, rng);
  PrefixTransformer writer({{"k8s:enc:aesgcm:v1:key1:", gcm}}, "no matching prefix found");
  PrefixTransformer reader(
      {{"", std::make_shared<IdentityTransformer>()}, {"k8s:enc:aesgcm:v1:key1:", gcm}},
      "no matching prefix found");
  const std::string v = writer.to_storage(kPlain, kKey);
  EXPECT_TRUE(v.starts_with("k8s:enc:aesgcm:v1:key1:"));
  EXPECT_FALSE(writer.from_storage(v, kKey).stale);
  FromStorage r = reader.from_storage(v, kKey);
  EXPECT_EQ(r.data, kPlain);
  EXPECT_TRUE(r.stale);
  EXPECT_EQ(error_of([&] { writer.from_storage("k8s:enc:secretbox:v1:x:abc", kKey); }),
            "no matching prefix found");
  EXPECT_EQ(error_of([&] { writer.from_storage(v.substr(0, v.size() - 1), kKey); }),
            "cipher: message authentication failed");
}

TEST_F(Providers, KmsV1LayoutCacheAndCbcFallback) {
  auto plugin = std::make_shared<testing::FakeV1>();
  KmsV1Transformer t(plugin, 1000, rng);
  const std::string v = t.to_storage(kPlain, kKey);
  EXPECT_EQ(plugin->encrypts, 1);
  const size_t n = (static_cast<unsigned char>(v[0]) << 8) | static_cast<unsigned char>(v[1]);
  const std::string edek = v.substr(2, n);
  EXPECT_EQ(core::base64_decode(edek)->size(), 32u) << "the plugin got a 32-byte DEK";
  EXPECT_EQ(v.size(), 2 + n + 12 + kPlain.size() + 16);
  EXPECT_EQ(t.from_storage(v, kKey).data, kPlain);
  EXPECT_EQ(plugin->decrypts, 0) << "own writes are cached";
  t.to_storage(kPlain, kKey);
  EXPECT_EQ(plugin->encrypts, 2) << "a new DEK per write";

  // A fresh transformer (a restart) must ask the plugin once per DEK.
  KmsV1Transformer cold(plugin, 1000, rng);
  EXPECT_EQ(cold.from_storage(v, kKey).data, kPlain);
  cold.from_storage(v, kKey);
  EXPECT_EQ(plugin->decrypts, 1);

  // <= 1.24 data: the same envelope around AES-CBC reads, stale.
  const std::string dek = *core::base64_decode(edek);
  std::string legacy = v.substr(0, 2 + n) + CbcTransformer(dek, rng).to_storage(kPlain, kKey);
  FromStorage r = cold.from_storage(legacy, kKey);
  EXPECT_EQ(r.data, kPlain);
  EXPECT_TRUE(r.stale);

  EXPECT_EQ(error_of([&] { cold.from_storage("\x01", kKey); }),
            "invalid data encountered by envelope transformer: failed to read uint16 length "
            "prefixed data");
  plugin->failing = true;
  KmsV1Transformer down(plugin, 1000, rng);
  EXPECT_EQ(error_of([&] { down.from_storage(v, kKey); }),
            "rpc error: code = FailedPrecondition desc = failed precondition - key disabled");
}

TEST_F(Providers, KmsV1ProbeWrapsTheFailingSection) {
  auto plugin = std::make_shared<testing::FakeV1>();
  core::VirtualClock clock(core::VirtualClock::Mode::kManual);
  KmsV1Probe probe("p1", plugin, clock);
  EXPECT_EQ(probe.check(), std::nullopt);
  plugin->failing = true;
  EXPECT_EQ(probe.check(), std::nullopt) << "memoised for 20 s";
  clock.advance(std::chrono::seconds(20));
  EXPECT_EQ(probe.check().value_or(""),
            "failed to perform encrypt section of the healthz check for KMS Provider p1, error: "
            "rpc error: code = FailedPrecondition desc = failed precondition - key disabled");
}

}  // namespace
}  // namespace kmslab::apiserver::encryption
