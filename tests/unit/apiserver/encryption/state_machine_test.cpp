// The KMS v2 state machine (kms.md §4.4) against the in-process Base64 mock plugin over a real
// abstract Unix socket, timers on the manual virtual clock.
#include <gtest/gtest.h>

#include <cstdlib>

#include <fstream>

#include "emulator/apiserver/encryption/config.hpp"
#include "emulator/apiserver/encryption/config_watcher.hpp"
#include "emulator/apiserver/encryption/kms_v2.hpp"
#include "emulator/apiserver/encryption/provider_set.hpp"
#include "emulator/core/base64url.hpp"
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

struct StateMachine : ::testing::Test {
  kmslab::testing::TempDir dir;
  std::string socket = "@kmslab-test-" + std::to_string(::getpid()) + "-" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::string endpoint = "unix:///" + socket;
  std::unique_ptr<kmslab::testing::MockKmsPlugin> plugin =
      std::make_unique<kmslab::testing::MockKmsPlugin>(endpoint);
  core::VirtualClock clock{core::VirtualClock::Mode::kManual,
                           core::parse_rfc3339("2027-01-01T00:00:00Z").value()};
  core::MetricsRegistry metrics;
  core::SeededRng rng{3};
  std::string version = "1.29";

  ProviderSet load(const std::string& timeout = "1s") {
    const auto path = dir.file("enc.yaml");
    std::ofstream(path) << "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"
                           "resources:\n- resources: [secrets]\n  providers:\n"
                           "  - kms: {apiVersion: v2, name: p1, endpoint: '"
                        << endpoint << "', timeout: " << timeout << "}\n  - identity: {}\n";
    ProviderDeps deps{clock, metrics, version};
    deps.rng = &rng;
    return load_provider_set(path, deps);
  }
};

TEST_F(StateMachine, PrimesAtStartWithOneStatusAndOneEncrypt) {
  auto set = load();
  EXPECT_EQ(plugin->status_calls(), 1);
  EXPECT_EQ(plugin->encrypt_calls(), 1);
  EXPECT_EQ(plugin->bad_authority_calls(), 0) << "v2 dials with :authority localhost";
  ASSERT_EQ(set.checks.size(), 1u);
  EXPECT_EQ(set.checks[0].name, "kms-providers");
  EXPECT_EQ(set.checks[0].probe(), std::nullopt);
  auto t = set.registry->for_resource("secrets");
  const std::string v = t->to_storage("hello", kKey);
  EXPECT_TRUE(v.starts_with("k8s:enc:kms:v2:p1:"));
  EncryptedObject o = decode_encrypted_object(v.substr(18));
  EXPECT_EQ(o.key_id, "1");
  EXPECT_EQ(o.type, 1);
  EXPECT_EQ(o.encrypted_dek_source, core::base64_encode(plugin->last_encrypt_plaintext()));
  EXPECT_EQ(plugin->last_encrypt_plaintext().size(), 32u) << "a 32-byte seed";
  FromStorage r = t->from_storage(v, kKey);
  EXPECT_EQ(r.data, "hello");
  EXPECT_FALSE(r.stale);
  EXPECT_EQ(plugin->decrypt_calls(), 0) << "own writes are cached";
  t->to_storage("again", kKey);
  EXPECT_EQ(plugin->encrypt_calls(), 1) << "the seed is reused while key_id is stable";
}

TEST_F(StateMachine, StatusEverySixtySecondsWhileHealthy) {
  auto set = load();
  clock.advance(59s);
  EXPECT_EQ(plugin->status_calls(), 1);
  clock.advance(1s);
  EXPECT_EQ(plugin->status_calls(), 2);
  clock.advance(10min);
  EXPECT_EQ(plugin->status_calls(), 12);
  EXPECT_EQ(plugin->encrypt_calls(), 1);
}

TEST_F(StateMachine, KeyIdChangeMakesANewSeedAndOldDataStale) {
  auto set = load();
  auto t = set.registry->for_resource("secrets");
  const std::string old_value = t->to_storage("hello", kKey);
  plugin->update_key_id();
  clock.advance(60s);
  EXPECT_EQ(plugin->encrypt_calls(), 2);
  FromStorage r = t->from_storage(old_value, kKey);
  EXPECT_EQ(r.data, "hello");
  EXPECT_TRUE(r.stale);
  const std::string fresh = t->to_storage("hello", kKey);
  EXPECT_EQ(decode_encrypted_object(fresh.substr(18)).key_id, "2");
  EXPECT_FALSE(t->from_storage(fresh, kKey).stale);
}

TEST_F(StateMachine, PluginDownWritesRefusedThreeMinutesAfterTheLastGoodStatus) {
  auto set = load();
  auto t = set.registry->for_resource("secrets");
  const std::string v = t->to_storage("hello", kKey);
  plugin->enter_failed_state();
  clock.advance(60s);  // the poll fails; 10 s polls from now on
  EXPECT_EQ(plugin->status_calls(), 2);
  EXPECT_NE(set.checks[0].probe().value_or("").find("failed precondition - key disabled"),
            std::string::npos);
  clock.advance(10s);
  EXPECT_EQ(plugin->status_calls(), 3);
  EXPECT_EQ(t->from_storage(v, kKey).data, "hello") << "cached seeds still read";
  EXPECT_NO_THROW(t->to_storage("still", kKey)) << "writes coast on the state for 3 minutes";
  clock.advance(110s);  // t = 3 min after the last good Status (t0)
  EXPECT_NO_THROW(t->to_storage("still", kKey));
  clock.advance(1s);
  EXPECT_EQ(error_of([&] { t->to_storage("late", kKey); }),
            "encryptedDEKSource with keyID hash "
            "\"sha256:6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b\" expired "
            "at 2027-01-01T00:03:00Z (current time is 2027-01-01T00:03:01Z)");
  EXPECT_EQ(t->from_storage(v, kKey).data, "hello");

  plugin->exit_failed_state();
  const int before = plugin->status_calls();
  clock.advance(10s);  // recovery within one 10 s poll
  EXPECT_EQ(plugin->status_calls(), before + 1);
  EXPECT_NO_THROW(t->to_storage("back", kKey));
  EXPECT_EQ(set.checks[0].probe(), std::nullopt);
  EXPECT_EQ(plugin->encrypt_calls(), 1) << "same key_id: the seed survives the outage";
}

TEST_F(StateMachine, HealthzTextOfAFailingPlugin) {
  plugin->enter_failed_state();
  auto set = load();
  EXPECT_EQ(set.checks[0].probe().value_or(""),
            "kms-provider-0: rpc error: code = FailedPrecondition desc = failed precondition - "
            "key disabled");
  auto t = set.registry->for_resource("secrets");
  EXPECT_EQ(error_of([&] { t->to_storage("x", kKey); }), "got unexpected nil transformer");
  plugin->exit_failed_state();
  clock.advance(10s);  // the prime retry
  EXPECT_NO_THROW(t->to_storage("x", kKey));
}

TEST_F(StateMachine, InvalidStatusIsReported) {
  plugin->set_healthz("sick");
  plugin->set_status_version("v3");
  auto set = load();
  clock.advance(3s);
  EXPECT_EQ(set.checks[0].probe().value_or(""),
            "kms-provider-0: kmsv2 Provider p1 is not healthy, error: [got unexpected healthz "
            "status: sick, expected KMSv2 API version v2, got v3]");
}

TEST_F(StateMachine, Version127WritesTypeZeroWithACounterNonce) {
  version = "1.27";
  auto set = load();
  auto t = set.registry->for_resource("secrets");
  const std::string v = t->to_storage("hello", kKey);
  EncryptedObject o = decode_encrypted_object(v.substr(18));
  EXPECT_EQ(o.type, 0);
  EXPECT_EQ(o.encrypted_data.substr(4, 8), std::string("\x01\xca\x9a\x3b\0\0\0\0", 8))
      << "LE u64 1000000001 after 4 random bytes";
  EXPECT_EQ(t->from_storage(v, kKey).data, "hello");
}

TEST_F(StateMachine, StoppedPluginTimesOutAndReadsOfCachedSeedsWork) {
  auto set = load("100ms");
  auto t = set.registry->for_resource("secrets");
  const std::string v = t->to_storage("hello", kKey);
  plugin->shutdown();
  clock.advance(60s);
  EXPECT_NE(set.checks[0].probe().value_or("").find("DeadlineExceeded"), std::string::npos);
  EXPECT_EQ(t->from_storage(v, kKey).data, "hello");
}

TEST_F(StateMachine, WatcherKeepsTheLastGoodConfigOnABadFile) {
  load();
  ProviderDeps deps{clock, metrics, version};
  deps.rng = &rng;
  ConfigWatcher w(dir.file("enc.yaml"), deps);
  EXPECT_EQ(w.poll(), ConfigWatcher::Outcome::kUnchanged);
  auto good = w.current();
  std::ofstream(dir.file("enc.yaml"))
      << "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: []\n";
  EXPECT_EQ(w.poll(), ConfigWatcher::Outcome::kFailed);
  EXPECT_EQ(w.current(), good);
  EXPECT_EQ(
      w.last_error(),
      "error while parsing file: resources: Required value: at least one resources is required");
  EXPECT_EQ(w.poll(), ConfigWatcher::Outcome::kUnchanged) << "an unchanged bad file is not retried";
}

TEST_F(StateMachine, WatcherSwapsInAGoodNewConfigAndAlwaysHasKmsProviders) {
  load();
  ProviderDeps deps{clock, metrics, version};
  deps.rng = &rng;
  ConfigWatcher w(dir.file("enc.yaml"), deps);
  ASSERT_EQ(w.current()->checks.size(), 1u);
  EXPECT_EQ(w.current()->checks[0].name, "kms-providers");
  std::ofstream(dir.file("enc.yaml"))
      << "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
         "- resources: [secrets]\n  providers:\n  - identity: {}\n";
  EXPECT_EQ(w.poll(), ConfigWatcher::Outcome::kReloaded);
  EXPECT_EQ(w.current()->registry->for_resource("secrets")->to_storage("x", kKey), "x");
  ASSERT_EQ(w.current()->checks.size(), 1u) << "kms-providers is there even without KMS";
  EXPECT_EQ(w.current()->checks[0].probe(), std::nullopt);
  EXPECT_NE(
      metrics.render().find(
          "apiserver_encryption_config_controller_automatic_reloads_total{status=\"success\""),
      std::string::npos);
}

TEST_F(StateMachine, APluginThatStartsLateIsPrimedByTheTenSecondRetry) {
  const std::string late = endpoint + "-late";
  endpoint = late;
  auto set = load("1s");  // WaitForReady: Status waits for the socket until its deadline
  auto t = set.registry->for_resource("secrets");
  EXPECT_EQ(error_of([&] { t->to_storage("x", kKey); }), "got unexpected nil transformer");
  kmslab::testing::MockKmsPlugin started(late);
  clock.advance(10s);
  EXPECT_EQ(started.status_calls(), 1);
  EXPECT_EQ(started.encrypt_calls(), 1);
  EXPECT_NO_THROW(t->to_storage("x", kKey));
}

}  // namespace
}  // namespace kmslab::apiserver::encryption

namespace kmslab::apiserver::encryption {
namespace {

TEST_F(StateMachine, MetricsCarryKubeApiserversNamesAndLabels) {
  auto set = load();
  auto t = set.registry->for_resource("secrets");
  t->from_storage(t->to_storage("hello", kKey), kKey);
  const std::string text = metrics.render();
  const std::string one_hash =
      "sha256:6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b";
  EXPECT_NE(text.find("apiserver_envelope_encryption_key_id_hash_total{transformation_type=\"to_"
                      "storage\",provider_name=\"p1\",key_id_hash=\"" +
                      one_hash + "\",apiserver_id_hash=\"\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("apiserver_storage_transformation_operations_total{resource=\"secrets\","
                      "transformation_type=\"from_storage\",transformer_prefix=\"k8s:enc:kms:v2:"
                      "p1:\",status=\"OK\"} 1\n"),
            std::string::npos)
      << text;
  // One seed generated at start, timed; its failures count the randomness, not the plugin.
  EXPECT_NE(text.find("apiserver_storage_data_key_generation_duration_seconds_count 1\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("apiserver_storage_data_key_generation_failures_total 1"), std::string::npos)
      << text;
  EXPECT_NE(
      text.find("# TYPE apiserver_envelope_encryption_dek_source_cache_size gauge\n"
                "apiserver_envelope_encryption_dek_source_cache_size{provider_name=\"p1\"} 1\n"),
      std::string::npos)
      << text;
  // Numbers are written as Go's Prometheus client writes them (strconv 'g', shortest):
  // 1798761600 is "1.7987616e+09". Read the value back rather than matching its spelling.
  const std::string status_series =
      "apiserver_envelope_encryption_key_id_hash_status_last_timestamp_seconds{"
      "provider_name=\"p1\",key_id_hash=\"" +
      one_hash + "\",apiserver_id_hash=\"\"} ";
  const size_t at = text.find(status_series);
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_EQ(std::strtod(text.c_str() + at + status_series.size(), nullptr),
            static_cast<double>(clock.now_unix_seconds()))
      << text;
  EXPECT_NE(text.find("apiserver_envelope_encryption_kms_operations_latency_seconds_count{"
                      "provider_name=\"p1\",method_name=\"/v2.KeyManagementService/Status\","
                      "grpc_status_code=\"OK\"} 1\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace kmslab::apiserver::encryption
