// KmsV2Probe against an in-memory plugin whose answers a test sets: response validation (kms.md
// §4.5) and the rotation rules of §4.4.
#include <gtest/gtest.h>

#include "emulator/apiserver/encryption/encryption_metrics.hpp"
#include "emulator/apiserver/encryption/kms_v2_probe.hpp"
#include "emulator/core/base64url.hpp"
#include "emulator/core/metrics.hpp"
#include "emulator/core/rng.hpp"

namespace kmslab::apiserver::encryption {
namespace {

using namespace std::chrono_literals;

struct Scripted final : KmsV2Service {
  V2Status next_status{"v2", "ok", "1"};
  std::string encrypt_key_id = "1";
  Annotations annotations{{"local-kek.kms.kubernetes.io", "x"}};
  int statuses = 0, encrypts = 0;
  V2Status status() override {
    ++statuses;
    return next_status;
  }
  V2EncryptResult encrypt(std::string_view, std::string_view plain) override {
    ++encrypts;
    return {core::base64_encode(plain), encrypt_key_id, annotations};
  }
  std::string decrypt(std::string_view, const V2DecryptRequest& r) override {
    return core::base64_decode(r.ciphertext).value_or("");
  }
};

struct Probe : ::testing::Test {
  core::VirtualClock clock{core::VirtualClock::Mode::kManual,
                           core::parse_rfc3339("2027-01-01T00:00:00Z").value()};
  core::SeededRng rng{9};
  core::MetricsRegistry registry;
  EncryptionMetrics metrics = EncryptionMetrics::declare(registry);
  std::shared_ptr<Scripted> plugin = std::make_shared<Scripted>();
  std::shared_ptr<KmsV2Probe> probe =
      std::make_shared<KmsV2Probe>("p1", plugin, clock, rng, KmsV2Profile{}, &metrics);
};

TEST_F(Probe, MemoisedTwentySecondsWhenHealthyThreeWhenNot) {
  EXPECT_EQ(probe->check(), std::nullopt);
  clock.advance(19s);
  probe->check();
  EXPECT_EQ(plugin->statuses, 1);
  clock.advance(1s);
  probe->check();
  EXPECT_EQ(plugin->statuses, 2);
  plugin->next_status.healthz = "down";
  clock.advance(20s);
  EXPECT_TRUE(probe->check().has_value());
  clock.advance(2s);
  probe->check();
  EXPECT_EQ(plugin->statuses, 3);
  clock.advance(1s);
  probe->check();
  EXPECT_EQ(plugin->statuses, 4);
}

TEST_F(Probe, EncryptKeyIdMustMatchStatus) {
  plugin->encrypt_key_id = "other";
  auto err = probe->check().value_or("");
  EXPECT_TRUE(
      err.starts_with("kmsv2 Provider p1 is not healthy, error: failed to rotate DEK uid=\""))
      << err;
  EXPECT_NE(err.find("useSeed=true, errState=got unexpected nil transformer, errGen=<nil>, "
                     "statusKeyIDHash=\"sha256:"
                     "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b\""),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("expirationTimestamp=0001-01-01T00:00:00Z"), std::string::npos) << err;
  EXPECT_THROW(probe->current_state(), TransformError);
}

TEST_F(Probe, AnnotationKeysMustBeDomainNames) {
  plugin->annotations = {{"NotADomain", "v"}};
  auto err = probe->check().value_or("");
  EXPECT_NE(err.find("errGen=failed to validate annotations: annotations: Invalid value: "
                     "\"NotADomain\": a lowercase RFC 1123 subdomain"),
            std::string::npos)
      << err;
  plugin->annotations = {{"single", "v"}};
  clock.advance(3s);
  err = probe->check().value_or("");
  EXPECT_NE(err.find("should be a domain with at least two segments separated by dots"),
            std::string::npos)
      << err;
}

TEST_F(Probe, InvalidKeyIdFromStatusIsCountedByError) {
  plugin->next_status.key_id = "";
  EXPECT_EQ(probe->check().value_or(""),
            "kmsv2 Provider p1 is not healthy, error: got invalid KMSv2 KeyID hash \"\": keyID is "
            "empty");
  EXPECT_EQ(metrics.invalid_status_key_id.value({"p1", "empty"}), 1);
  plugin->next_status.key_id = std::string(1025, 'k');
  clock.advance(3s);
  EXPECT_NE(
      probe->check().value_or("").find("keyID is 1025 bytes, which exceeds the max size of 1024"),
      std::string::npos);
  EXPECT_EQ(metrics.invalid_status_key_id.value({"p1", "too_long"}), 1);
}

TEST_F(Probe, VersionMustNotChange) {
  EXPECT_EQ(probe->check(), std::nullopt);
  plugin->next_status.version = "v2beta1";
  clock.advance(20s);
  EXPECT_EQ(probe->check().value_or(""),
            "kmsv2 Provider p1 is not healthy, error: KMSv2 API version should not change after "
            "the initial status response version v2, got v2beta1");
}

TEST_F(Probe, Release127AcceptsOnlyV2beta1) {
  auto old = std::make_shared<KmsV2Probe>("p1", plugin, clock, rng,
                                          KmsV2Profile{false, true, {"v2beta1"}, "v2beta1"});
  EXPECT_EQ(old->check().value_or(""),
            "kmsv2 Provider p1 is not healthy, error: expected KMSv2 API version v2beta1, got v2");
}

TEST_F(Probe, SameKeyIdOnlyExtendsTheWriteState) {
  probe->check();
  const auto first = probe->current_state();
  EXPECT_EQ(first.expiration, clock.now() + 3min);
  clock.advance(20s);
  probe->check();
  const auto second = probe->current_state();
  EXPECT_EQ(plugin->encrypts, 1);
  EXPECT_EQ(second.encrypted_dek_source, first.encrypted_dek_source);
  EXPECT_EQ(second.expiration, clock.now() + 3min);
}

}  // namespace
}  // namespace kmslab::apiserver::encryption
