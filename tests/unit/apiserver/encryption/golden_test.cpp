// The KMS v2 golden value of reference kms.md §4.3 (kube-apiserver's TestKMSv2ProviderLegacyData,
// written by the Base64 mock plugin, so encryptedDEKSource = base64(seed)).
#include <gtest/gtest.h>

#include "emulator/apiserver/encryption/crypto.hpp"
#include "emulator/apiserver/encryption/hkdf_gcm.hpp"
#include "emulator/apiserver/encryption/kms_v2.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/rng.hpp"
#include "tests/unit/apiserver/encryption/fakes.hpp"

namespace kmslab::apiserver::encryption {
namespace {

std::string unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

const std::string kKey =
    "/43da1478-5e9c-4ef3-a92a-2b19d540c8a5/registry/secrets/kms-v2-legacy-data/"
    "dek-source-hkdf-sha256-xnonce-aes-gcm-seed";
const std::string kValueHex =
    "6b38733a656e633a6b6d733a76323a6b6d732d70726f76696465723a0ad103120f87aea2a2f54a1106d0be8a81b615"
    "df"
    "3448a3b769935e29e569e27ffd6fee221730b70aa00bece0fa092309c696f6c7a77701b9abb3f4dfec9e4a9524265a"
    "3d"
    "8a774163a5b23b09d5f905c145298bb814c9da147b490d563fe53af0424d9badaa486e3e572f51a3f5bae7cb9a0ae7"
    "22"
    "a75c708cba32f2b0783cc484889af1b53a643d7ae3c32603996d96e75ce3a3d769b20c8467f934d20cd67eedacf81b"
    "c6"
    "282c5bd1ffba89c8874402293a77544d3132b5fd6cd2f2851230d3d961616bcedd49d6a50f6b32f649d0f9c2da0bc5"
    "97"
    "d7d7bb83d6f71abf1369488fe4b323f3dfc824790d4c28465c587486bbe54b883d92e904f7301e093eac3b9ee6f02b"
    "db"
    "99341d1a5639d5842d67f3c75a00f7330ee7a6cfc4fce0b21fa0bb1a81b3e4d7a67fc60894cd89ad40ac8101350fe8"
    "41"
    "e942fb32816f9c3f2a0c8c15a82922e8ff8d38d5214f17c5e38d8083d3c2b4ca313bf7b0f49078a6019585c0aff682"
    "51"
    "6babc1823c4493cf0ddbdf1c941751fa53e6cbd458c6bf801dc41c9d503734824a4b0b79e929bc6859becc7ce497dd"
    "3c"
    "3b33904a07ee23b279e30960efef1f226b8b96a098d9ff73de26b7a60ef17f32cd8562e3da3522635c4be231a2ec60"
    "1b"
    "e552e66a08401837e1db04f6624e4f0e1201311a2c2f2b576e4b5851454d2f416858494359524e4265476b2b575375"
    "42"
    "2b374f427553594a54625036365a79633d22320a1b6c6f63616c2d6b656b2e6b6d732e6b756265726e657465732e69"
    "6f"
    "1213656e637279707465642d6c6f63616c2d6b656b2801";
const std::string kPrefix = "k8s:enc:kms:v2:kms-provider:";

struct Golden : ::testing::Test {
  core::VirtualClock clock{core::VirtualClock::Mode::kManual};
  core::SeededRng rng{7};
  std::shared_ptr<testing::FakeV2> plugin = std::make_shared<testing::FakeV2>();
  std::string state_key_id = "1";
  KmsV2Transformer t{plugin, "kms-provider",
                     [this] {
                       KmsV2State s;
                       s.transformer =
                           std::make_shared<HkdfGcmTransformer>(std::string(32, 'x'), rng);
                       s.key_id = state_key_id;
                       s.type = 1;
                       s.expiration = clock.now() + std::chrono::minutes(3);
                       s.cache_key = "k";
                       return s;
                     },
                     clock, rng};
  std::string stored() const { return unhex(kValueHex).substr(kPrefix.size()); }
};

TEST_F(Golden, ValueIs599BytesWithTheSha256OfTheReference) {
  const std::string value = unhex(kValueHex);
  EXPECT_EQ(value.size(), 599u);
  EXPECT_EQ(hex(sha256(value)), "290cfd18cddca79f6d00460776d41932cecfb0881f39cf8f4bafca58de08fd7d");
  EXPECT_TRUE(value.starts_with(kPrefix));
}

TEST_F(Golden, EncryptedObjectFieldsDecode) {
  EncryptedObject o = decode_encrypted_object(stored());
  EXPECT_EQ(o.key_id, "1");
  EXPECT_EQ(o.encrypted_dek_source, "/+WnKXQEM/AhXICYRNBeGk+WSuB+7OBuSYJTbP66Zyc=");
  EXPECT_EQ(o.type, 1);
  EXPECT_EQ(o.encrypted_data.size(), 465u);
  ASSERT_EQ(o.annotations.size(), 1u);
  EXPECT_EQ(o.annotations.at("local-kek.kms.kubernetes.io"), "encrypted-local-kek");
  // Re-encoding gives the same bytes: fields in order 1..5, one map entry.
  EXPECT_EQ(encode_encrypted_object(o), stored());
}

TEST_F(Golden, HkdfExpandGivesTheReferenceDek) {
  EXPECT_EQ(hex(hkdf_sha256_expand(
                unhex("ffe5a729740433f0215c809844d05e1a4f964ae07eece06e4982536cfeba6727"),
                unhex("120f87aea2a2f54a1106d0be8a81b615df3448a3b769935e29e569e27ffd6fee"), 32)),
            "5cad1e7c7388618e86009092cac3eef592e41b9af5df436a59c0ab9570ac0d7f");
}

TEST_F(Golden, DecryptsToTheReferenceSecretAndIsNotStale) {
  FromStorage out = t.from_storage(stored(), kKey);
  EXPECT_EQ(out.data.size(), 405u);
  EXPECT_EQ(hex(sha256(out.data)),
            "149b0a839beaf2dc3e0be77f8307ae2f4a5da7970c2795a905374a4d0744841a");
  EXPECT_TRUE(out.data.starts_with(std::string("k8s\0\n\x0c\n\x02v1\x12\x06Secret", 17)));
  EXPECT_FALSE(out.stale);
  EXPECT_EQ(plugin->decrypts, 1);
  t.from_storage(stored(), kKey);
  EXPECT_EQ(plugin->decrypts, 1) << "the second read is served by the decrypt cache";
}

TEST_F(Golden, StaleWhenTheCurrentKeyIdDiffers) {
  state_key_id = "2";
  EXPECT_TRUE(t.from_storage(stored(), kKey).stale);
}

TEST_F(Golden, CopiedToAnotherKeyFailsAuthentication) {
  try {
    t.from_storage(stored(), "/registry/secrets/default/other");
    FAIL();
  } catch (const TransformError& e) {
    EXPECT_STREQ(e.what(), "cipher: message authentication failed");
  }
}

TEST_F(Golden, KeyIdHashLabelsMatchTheReference) {
  EXPECT_EQ(hash_if_not_empty("1"),
            "sha256:6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b");
  EXPECT_EQ(hash_if_not_empty(""), "");
}

}  // namespace
}  // namespace kmslab::apiserver::encryption
