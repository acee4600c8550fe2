// KMS v1 over gRPC against the in-process mock, the health check names of kms.md §5.4, and
// corrupted KMS v2 values read through the resource's prefix transformer (kms.md §2.2, §2.3).
#include <gtest/gtest.h>

#include <fstream>

#include "emulator/apiserver/encryption/provider_set.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/metrics.hpp"
#include "emulator/core/rng.hpp"
#include "tests/support/mock_kms_plugin/mock_kms_plugin.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/apiserver/encryption/fakes.hpp"

namespace kmslab::apiserver::encryption {
namespace {

using testing::error_of;

using namespace std::chrono_literals;
const std::string kKey = "/registry/secrets/default/s1";

struct Grpc : ::testing::Test {
  kmslab::testing::TempDir dir;
  std::string base = "@kmslab-test-" + std::to_string(::getpid()) + "-" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name();
  kmslab::testing::MockKmsPlugin a{"unix:///" + base + "-a"};
  kmslab::testing::MockKmsPlugin b{"unix:///" + base + "-b"};
  core::VirtualClock clock{core::VirtualClock::Mode::kManual};
  core::MetricsRegistry metrics;
  core::SeededRng rng{5};

  ProviderSet load(const std::string& providers, const std::string& version, bool gate = true) {
    const auto path = dir.file("enc.yaml");
    std::ofstream(path) << "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"
                           "resources:\n- resources: [secrets]\n  providers:\n"
                        << providers;
    ProviderDeps deps{clock, metrics, version, gate};
    deps.rng = &rng;
    return load_provider_set(path, deps);
  }
  std::string kms(const char* api, const char* name, const char* socket) {
    return std::string("  - kms: {apiVersion: ") + api + ", name: " + name +
           ", endpoint: 'unix:///" + base + "-" + socket + "', timeout: 1s}\n";
  }
};

TEST_F(Grpc, V1ChecksVersionLazilyOnceAndEncryptsPerWrite) {
  auto set = load(kms("v1", "one", "a"), "1.26");
  EXPECT_EQ(a.version_calls(), 0) << "nothing is called at config load";
  auto t = set.registry->for_resource("secrets");
  const std::string v = t->to_storage("hello", kKey);
  EXPECT_TRUE(v.starts_with("k8s:enc:kms:v1:one:"));
  t->to_storage("again", kKey);
  EXPECT_EQ(a.version_calls(), 1);
  EXPECT_EQ(a.encrypt_calls(), 2);
  EXPECT_EQ(t->from_storage(v, kKey).data, "hello");
  ASSERT_EQ(set.checks.size(), 1u);
  EXPECT_EQ(set.checks[0].name, "kms-provider-0");
  EXPECT_EQ(set.checks[0].probe(), std::nullopt);
  EXPECT_EQ(a.encrypt_calls(), 3) << "the probe pings with Encrypt then Decrypt";
  a.enter_failed_state();
  clock.advance(20s);
  EXPECT_EQ(set.checks[0].probe().value_or(""),
            "failed to perform encrypt section of the healthz check for KMS Provider one, error: "
            "rpc error: code = FailedPrecondition desc = failed precondition - key disabled");
  EXPECT_EQ(error_of([&] { t->to_storage("x", kKey); }),
            "rpc error: code = FailedPrecondition desc = failed precondition - key disabled");
}

TEST_F(Grpc, MixedV1AndV2GetOneCheckEach) {
  auto set = load(kms("v2", "two", "b") + kms("v1", "one", "a"), "1.29");
  ASSERT_EQ(set.checks.size(), 2u);
  EXPECT_EQ(set.checks[0].name, "kms-provider-0");
  EXPECT_EQ(set.checks[1].name, "kms-provider-1");
  EXPECT_EQ(set.checks[0].probe(), std::nullopt);
  EXPECT_EQ(set.checks[1].probe(), std::nullopt);
}

TEST_F(Grpc, TwoV2ProvidersShareOneKmsProvidersCheck) {
  b.enter_failed_state();
  auto set = load(kms("v2", "first", "a") + kms("v2", "second", "b"), "1.30");
  ASSERT_EQ(set.checks.size(), 1u);
  EXPECT_EQ(set.checks[0].name, "kms-providers");
  EXPECT_EQ(set.checks[0].probe().value_or(""),
            "kms-provider-1: rpc error: code = FailedPrecondition desc = failed precondition - "
            "key disabled");
}

TEST_F(Grpc, CorruptedV2ValuesFailCleanly) {
  auto set = load(kms("v2", "p", "a") + "  - identity: {}\n", "1.29");
  auto t = set.registry->for_resource("secrets");
  const std::string v = t->to_storage("hello", kKey);
  EXPECT_EQ(error_of([&] { t->from_storage(v, "/registry/secrets/default/other"); }),
            "cipher: message authentication failed");
  std::string flipped = v;
  // Field 1 (encryptedData) comes first: prefix, tag 0x0a, a varint length, then
  // info(32) || nonce(12) || ct(5) || tag(16); byte 50 of it is in the tag.
  const size_t data_start = std::string("k8s:enc:kms:v2:p:").size() + 2;
  flipped[data_start + 50] ^= 1;
  EXPECT_EQ(error_of([&] { t->from_storage(flipped, kKey); }),
            "cipher: message authentication failed");
  EXPECT_NE(error_of([&] { t->from_storage(v.substr(0, v.size() / 2), kKey); }), "(no error)");
  EXPECT_EQ(error_of([&] { t->from_storage("k8s:enc:kms:v2:elsewhere:abc", kKey); }),
            "no matching prefix found");
  EXPECT_EQ(t->from_storage("plain-old-value", kKey).data, "plain-old-value");
  EXPECT_TRUE(t->from_storage("plain-old-value", kKey).stale) << "identity is not the writer";
}

}  // namespace
}  // namespace kmslab::apiserver::encryption
