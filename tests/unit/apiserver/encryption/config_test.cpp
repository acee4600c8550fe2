// EncryptionConfiguration decoding, defaults and kube-apiserver's validation texts (kms.md §5).
#include <gtest/gtest.h>

#include <fstream>

#include "emulator/apiserver/encryption/config.hpp"
#include "emulator/apiserver/encryption/provider_set.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/metrics.hpp"
#include "emulator/core/rng.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::apiserver::encryption {
namespace {

const std::string kHead = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n";
const std::string kKey32 = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=";  // 32 bytes

struct Config : ::testing::Test {
  kmslab::testing::TempDir dir;
  core::VirtualClock clock{core::VirtualClock::Mode::kManual};
  core::MetricsRegistry metrics;
  core::SeededRng rng{1};

  std::string write(const std::string& body) {
    const auto path = dir.file("enc.yaml");
    std::ofstream(path) << body;
    return path;
  }
  std::string load_error(const std::string& body, const std::string& version = "1.29",
                         bool gate = false) {
    try {
      ProviderDeps deps{clock, metrics, version, gate};
      deps.rng = &rng;
      load_provider_set(write(body), deps);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(loaded)";
  }
};

TEST_F(Config, DefaultsAndOrder) {
  auto c = decode_encryption_configuration(
      kHead +
          "resources:\n- resources: [secrets]\n  providers:\n"
          "  - kms: {name: a, endpoint: unix:///tmp/a.sock}\n"
          "  - kms: {apiVersion: v2, name: b, endpoint: unix:///@b}\n"
          "  - identity: {}\n",
      "f");
  ASSERT_EQ(c.resources[0].providers.size(), 3u);
  const auto& a = *c.resources[0].providers[0].kms;
  EXPECT_EQ(a.api_version, "v1");
  EXPECT_EQ(a.cache_size, 1000);
  EXPECT_EQ(a.timeout, std::chrono::seconds(3));
  EXPECT_FALSE(c.resources[0].providers[1].kms->cache_size.has_value());
  EXPECT_TRUE(c.resources[0].providers[2].identity);
  EXPECT_TRUE(validate_encryption_configuration(c, false).empty());
}

TEST_F(Config, JsonIsAcceptedToo) {
  EXPECT_EQ(
      load_error(R"({"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration",
    "resources":[{"resources":["secrets"],"providers":[{"aesgcm":{"keys":[{"name":"k","secret":")" +
                 kKey32 + R"("}]}},{"identity":{}}]}]})"),
      "(loaded)");
}

TEST_F(Config, WrongKindOrVersionIsADecodingError) {
  const auto path = dir.file("enc.yaml");
  EXPECT_EQ(
      load_error("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfig\nresources: []\n"),
      "error while parsing file: error decoding encryption provider configuration file \"" + path +
          "\": no kind \"EncryptionConfig\" is registered for version "
          "\"apiserver.config.k8s.io/v1\" in scheme \"pkg/runtime/scheme.go:100\"");
  EXPECT_NE(load_error("apiVersion: v1\nkind: EncryptionConfiguration\n").find("no kind"),
            std::string::npos);
}

TEST_F(Config, UnknownFieldsAreRefusedStrictly) {
  EXPECT_NE(
      load_error(kHead + "resources:\n- resources: [secrets]\n  providers:\n  - aesgcmm: {}\n")
          .find("strict decoding error: unknown field \"resources.providers.aesgcmm\""),
      std::string::npos);
}

TEST_F(Config, ValidationMessages) {
  EXPECT_EQ(load_error(kHead + "resources:\n- resources: [secrets]\n  providers:\n"
                               "  - aesgcm: {keys: [{name: k, secret: MTIz}]}\n"),
            "error while parsing file: resources[0].providers[0].aesgcm.keys[0].secret: Invalid "
            "value: \"REDACTED\": secret is not of the expected length, got 3, expected one of "
            "[16 24 32]");
  EXPECT_EQ(load_error(kHead +
                       "resources:\n- resources: [secrets]\n  providers:\n"
                       "  - secretbox: {keys: [{secret: " +
                       kKey32.substr(0, 24) + "}]}\n"),
            "error while parsing file: [resources[0].providers[0].secretbox.keys[0].name: Required "
            "value: name is a mandatory field for a key, "
            "resources[0].providers[0].secretbox.keys[0].secret: Invalid value: \"REDACTED\": "
            "secret is not of the expected length, got 18, expected one of [32]]");
  EXPECT_EQ(load_error(kHead + "resources:\n- resources: [secrets]\n  providers:\n"
                               "  - kms: {apiVersion: v2, name: a, endpoint: tcp://1.2.3.4:5}\n"),
            "error while parsing file: resources[0].providers[0].kms.endpoint: Invalid value: "
            "\"tcp://1.2.3.4:5\": unsupported scheme \"tcp\" for KMS provider, only unix is "
            "supported");
  EXPECT_EQ(load_error(kHead + "resources:\n- resources: [secrets]\n  providers:\n"
                               "  - kms: {apiVersion: v2, name: a, endpoint: unix:///@a}\n"
                               "  - kms: {apiVersion: v2, name: a, endpoint: unix:///@b}\n"),
            "error while parsing file: resources[0].providers[1].kms.name: Invalid value: \"a\": "
            "duplicate KMS provider name a, names must be unique");
  EXPECT_EQ(
      load_error(kHead +
                 "resources:\n- resources: [secrets]\n  providers:\n"
                 "  - kms: {apiVersion: v2, name: a, endpoint: unix:///@a, cachesize: 1000}\n"),
      "error while parsing file: resources[0].providers[0].kms.cachesize: Invalid value: "
      "1000: cachesize is not supported in v2");
  EXPECT_EQ(load_error(kHead + "resources:\n- resources: [secrets]\n  providers:\n"
                               "  - kms: {apiVersion: v3, endpoint: unix:///@a, timeout: 0s}\n"),
            "error while parsing file: [resources[0].providers[0].kms.name: Required value: name "
            "is a mandatory field for a provider, resources[0].providers[0].kms.timeout: Invalid "
            "value: 0s: timeout should be a positive value, "
            "resources[0].providers[0].kms.apiVersion: Invalid value: \"v3\": unsupported "
            "apiVersion apiVersion for KMS provider, only v1 and v2 are supported]");
  EXPECT_EQ(load_error(kHead +
                       "resources:\n- resources: [Secrets, '*']\n  providers:\n  - identity: {}\n"),
            "error while parsing file: [resources[0].resources: Invalid value: "
            "[]string{\"Secrets\", \"*\"}: using overlapping resources such as 'secrets' and "
            "'*.' in the same resource list is not allowed as they will be masked, "
            "resources[0].resources[0]: Invalid value: \"Secrets\": "
            "resource name should not contain capital letters, resources[0].resources[1]: Invalid "
            "value: \"*\": use '*.' to encrypt all the resources from core API group or *.* to "
            "encrypt all resources]");
  EXPECT_EQ(
      load_error(kHead + "resources: []\n"),
      "error while parsing file: resources: Required value: at least one resources is required");
  EXPECT_NE(load_error(kHead + "resources:\n- resources: [secrets]\n  providers:\n  - {}\n")
                .find("provider does not contain any of the expected providers"),
            std::string::npos);
}

TEST_F(Config, EmptyFileIsRefused) {
  const auto path = dir.file("enc.yaml");
  EXPECT_EQ(load_error(""),
            "error while parsing file: error while loading file: encryption "
            "provider configuration file \"" +
                path + "\" is empty");
}

TEST_F(Config, KmsV1IsRefusedFrom129WithoutTheGate) {
  const std::string v1 = kHead +
                         "resources:\n- resources: [secrets]\n  providers:\n"
                         "  - kms: {name: a, endpoint: unix:///@kmslab-test-none}\n";
  EXPECT_EQ(load_error(v1, "1.29"),
            "error while building transformers: KMSv1 is deprecated and will only receive security "
            "updates going forward. Use KMSv2 instead.  Set --feature-gates=KMSv1=true to use the "
            "deprecated KMSv1 feature.");
  EXPECT_EQ(load_error(v1, "1.29", true), "(loaded)");
  EXPECT_EQ(load_error(v1, "1.26"), "(loaded)");
}

TEST_F(Config, KmsV2NeedsAtLeast127) {
  EXPECT_EQ(
      load_error(
          kHead +
              "resources:\n- resources: [secrets]\n  providers:\n"
              "  - kms: {apiVersion: v2, name: a, endpoint: unix:///@kmslab-none, timeout: 10ms}\n",
          "1.26"),
      "error while building transformers: could not configure KMSv2 plugin \"a\", KMSv2 "
      "feature is not enabled");
}

TEST_F(Config, MaskedRuleIsRefused) {
  EXPECT_EQ(
      load_error(kHead + "resources:\n- resources: ['*.*']\n  providers:\n  - identity: {}\n"
                         "- resources: [secrets]\n  providers:\n  - identity: {}\n"),
      "error while building transformers: resource \"secrets\" is masked by earlier rule \"*.*\"");
}

TEST_F(Config, ResourceLookupOrder) {
  ProviderDeps deps{clock, metrics, "1.29"};
  deps.rng = &rng;
  auto set = load_provider_set(
      write(
          kHead +
          "resources:\n- resources: [secrets]\n  providers:\n  - aesgcm: {keys: [{name: k, "
          "secret: " +
          kKey32 +
          "}]}\n- resources: ['*.apps']\n  providers:\n  - secretbox: {keys: [{name: s, secret: " +
          kKey32 + "}]}\n"),
      deps);
  EXPECT_TRUE(set.registry->for_resource("secrets")->to_storage("x", "/k").starts_with(
      "k8s:enc:aesgcm:v1:k:"));
  EXPECT_TRUE(set.registry->for_resource("deployments.apps")
                  ->to_storage("x", "/k")
                  .starts_with("k8s:enc:secretbox:v1:s:"));
  EXPECT_EQ(set.registry->for_resource("configmaps")->to_storage("x", "/k"), "x");
  EXPECT_TRUE(set.checks.empty());
  EXPECT_TRUE(set.content_hash.starts_with("sha256:"));
}

// The transformation metric names the resource a wildcard rule served, as kube-apiserver's
// requestInfoTransformer does ("secrets", "deployments.apps"), never the rule ("*.*"); successful
// transformations are timed under apiserver_storage_transformation_duration_seconds.
TEST_F(Config, WildcardRuleMetricsNameTheResource) {
  ProviderDeps deps{clock, metrics, "1.29"};
  deps.rng = &rng;
  auto set = load_provider_set(
      write(kHead +
            "resources:\n- resources: ['*.*']\n  providers:\n  - aesgcm: {keys: [{name: k, "
            "secret: " +
            kKey32 + "}]}\n"),
      deps);
  for (const char* resource : {"secrets", "deployments.apps"}) {
    auto t = set.registry->for_resource(resource);
    t->from_storage(t->to_storage("x", "/k"), "/k");
  }
  const std::string text = metrics.render();
  for (const char* resource : {"secrets", "deployments.apps"}) {
    EXPECT_NE(
        text.find(std::string("apiserver_storage_transformation_operations_total{resource=\"") +
                  resource +
                  "\",transformation_type=\"to_storage\",transformer_prefix=\"k8s:enc:"
                  "aesgcm:v1:\",status=\"OK\"} 1\n"),
        std::string::npos)
        << text;
  }
  EXPECT_EQ(text.find("resource=\"*.*\""), std::string::npos) << text;
  EXPECT_NE(text.find("apiserver_storage_transformation_duration_seconds_count{transformation_type="
                      "\"from_storage\",transformer_prefix=\"k8s:enc:aesgcm:v1:\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("apiserver_storage_transformation_duration_seconds_bucket{transformation_"
                "type=\"to_storage\",transformer_prefix=\"k8s:enc:aesgcm:v1:\",le=\"5e-06\"}"),
      std::string::npos)
      << text;
}

TEST(GoDuration, Strings) {
  EXPECT_EQ(go_duration_string(std::chrono::seconds(3)), "3s");
  EXPECT_EQ(go_duration_string(std::chrono::seconds(90)), "1m30s");
  EXPECT_EQ(go_duration_string(std::chrono::milliseconds(500)), "500ms");
  EXPECT_EQ(go_duration_string(std::chrono::seconds(-1)), "-1s");
}

}  // namespace
}  // namespace kmslab::apiserver::encryption
