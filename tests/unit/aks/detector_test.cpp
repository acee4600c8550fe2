// The KMS detector (O1, O2; aks.md §4) through ARM over fake control planes: each finding from
// real state (keys, vaults, identity, access, firewall) or from what the apiserver observed.
#include <gtest/gtest.h>

#include "tests/unit/aks/aks_world.hpp"

namespace kmslab::testing {
namespace {

using core::http::verb;

const std::string kExpiredError =
    "failed to encrypt, error: keyvault.BaseClient#Encrypt: Failure responding to request: "
    "StatusCode=403 -- Original Error: autorest/azure: Service returned an error. Status=403 "
    "Code=\"Forbidden\" Message=\"Operation encrypt is not allowed on an expired key.\" "
    "InnerError={\"code\":\"KeyExpired\"}";

struct Detector : AksWorld {
  std::string id;
  explicit Detector(const std::string& version = "1.27") {
    put_done(body(kms(key_id), version));
    id = planes.specs.back().cluster_id;
  }
  json detect(const std::string& name = "c1") {
    auto r =
        call(verb::get, cluster(name) + "/detectors/azure-keyvault-kms-integration-issues", kOld);
    EXPECT_EQ(r.result_int(), 200) << r.body();
    return json::parse(r.body());
  }
  json finding(const json& d, const std::string& code) {
    for (const auto& f : d["properties"]["kmslab"]["findings"])
      if (f["code"] == code) return f;
    ADD_FAILURE() << code << " not among " << d["properties"]["kmslab"]["findings"].dump(1);
    return json::object();
  }
  bool has(const json& d, const std::string& code) {
    for (const auto& f : d["properties"]["kmslab"]["findings"])
      if (f["code"] == code) return true;
    return false;
  }
  int64_t now() const { return w.clock.now_unix_seconds(); }
  void observe(std::vector<aks::KmsCallRecord> calls) {
    aks::ControlPlaneObservation o;
    o.apiserver_answered = true;
    o.kms_calls = std::move(calls);
    planes.observations[id] = o;
  }
  static aks::KmsCallRecord call_of(uint64_t seq, const std::string& code,
                                    const std::string& error = "",
                                    const std::string& provider = "azurekmsprovider") {
    return {seq,  "2026-01-01T00:00:00Z", provider, "/v2.KeyManagementService/Status", code, 0.01,
            error};
  }
  bool remedy_mentions(const json& f, const std::string& text) {
    for (const auto& r : f["remedies"])
      if (r.get<std::string>().find(text) != std::string::npos) return true;
    return false;
  }
};

TEST(KmsDetector, HealthyClusterIsGreenWithTheKeyInUse) {
  Detector a;
  a.observe({Detector::call_of(1, "OK")});
  auto d = a.detect();
  EXPECT_EQ(d["type"], "Microsoft.ContainerService/managedClusters/detectors");
  EXPECT_EQ(d["name"], "azure-keyvault-kms-integration-issues");
  EXPECT_EQ(d["properties"]["metadata"]["name"], "Azure KeyVault KMS Integration Issues");
  EXPECT_EQ(d["properties"]["status"]["statusId"], 3);
  const auto& kms = d["properties"]["kmslab"]["kms"];
  EXPECT_EQ(kms["enabled"], true);
  EXPECT_EQ(kms["keyId"], a.key_id);
  EXPECT_EQ(kms["currentKeyVersion"], "0123abcd");
  EXPECT_TRUE(kms["previousKeyVersion"].is_null());
  EXPECT_EQ(kms["pluginHealthy"], true);
  EXPECT_EQ(kms["providers"][0]["name"], "azurekmsprovider");
  EXPECT_EQ(a.finding(d, "KmsHealthy")["status"], "success");
  // D4's section, as an insight (type 7: Status, Message, Data.Name, Data.Value).
  const auto& first = d["properties"]["dataset"][0];
  EXPECT_EQ(first["renderingProperties"]["type"], 7);
  EXPECT_EQ(first["table"]["columns"][0]["columnName"], "Status");
  EXPECT_EQ(first["table"]["rows"][0][1],
            "Cluster is configured to use Azure KeyVault KMS Integration");
}

TEST(KmsDetector, KmsNotEnabledIsInfo) {
  AksWorld a;
  a.put_done(a.body());
  auto r = a.call(verb::get, a.cluster() + "/detectors/azure-keyvault-kms-integration-issues",
                  AksWorld::kOld);
  auto d = json::parse(r.body());
  EXPECT_EQ(d["properties"]["kmslab"]["findings"][0]["code"], "KmsNotEnabled");
  EXPECT_EQ(d["properties"]["status"]["statusId"], 2);
  EXPECT_EQ(d["properties"]["kmslab"]["kms"]["enabled"], false);
}

TEST(KmsDetector, ExpiredKeyRelaysKeyVaultsMessageOnceThePluginSawIt) {
  Detector a;
  a.add_key("kv1", "k1", "0123abcd", a.now() - 60);
  auto d = a.detect();  // from state alone
  auto f = a.finding(d, "KeyExpired");
  EXPECT_EQ(f["status"], "critical");
  // Key Vault still decrypts with an expired key; only encrypt (and so Status) fails.
  EXPECT_NE(f["message"].get<std::string>().find("refuses encrypt with it (decrypt still works)"),
            std::string::npos)
      << f["message"];
  EXPECT_TRUE(a.remedy_mentions(f, "az keyvault key set-attributes"));
  EXPECT_TRUE(a.remedy_mentions(f, "--azure-keyvault-kms-key-id"));
  EXPECT_EQ(d["properties"]["status"]["statusId"], 0);
  a.observe({Detector::call_of(1, "OK"), Detector::call_of(2, "Internal", kExpiredError)});
  d = a.detect();
  f = a.finding(d, "KeyExpired");
  EXPECT_EQ(f["message"], "KeyExpired: Operation encrypt is not allowed on an expired key");
  EXPECT_EQ(f["evidence"]["observed"]["seq"], 2);
  EXPECT_EQ(d["properties"]["kmslab"]["kms"]["pluginHealthy"], false);
  EXPECT_FALSE(a.has(d, "KmsHealthy"));
}

TEST(KmsDetector, APluginErrorWithoutStateStillShowsKeyVaultsCode) {
  Detector a;  // e.g. a fault rule answering KeyExpired: the state is fine, the plugin is not
  a.observe({Detector::call_of(5, "Internal", kExpiredError)});
  auto f = a.finding(a.detect(), "KeyExpired");
  EXPECT_EQ(f["message"], "KeyExpired: Operation encrypt is not allowed on an expired key");
}

TEST(KmsDetector, ALaterSuccessfulCallClearsAnEarlierError) {
  Detector a;
  a.observe({Detector::call_of(1, "Internal", kExpiredError), Detector::call_of(2, "OK")});
  auto d = a.detect();
  EXPECT_TRUE(a.has(d, "KmsHealthy"));
  EXPECT_EQ(d["properties"]["kmslab"]["kms"]["pluginHealthy"], true);
}

TEST(KmsDetector, KeyDisabledAndNotYetValid) {
  Detector a;
  keyvault::KeyMeta meta{"k1", "0123abcd", std::nullopt, std::nullopt};
  auto v = *a.keys.version("kv1", "k1", "0123abcd");
  v.attributes.enabled = false;
  v.attributes.nbf = a.now() + 3600;
  a.keys.save("kv1", meta, {v});
  auto d = a.detect();
  EXPECT_EQ(a.finding(d, "KeyDisabled")["status"], "critical");
  EXPECT_EQ(a.finding(d, "KeyNotYetValid")["status"], "critical");
}

TEST(KmsDetector, KeySoftDeletedThenPurged) {
  Detector a;
  auto v = *a.keys.version("kv1", "k1", "0123abcd");
  keyvault::KeyMeta meta{"k1", "0123abcd", keyvault::DeletedInfo{a.now(), a.now() + 86400},
                         std::nullopt};
  a.keys.save("kv1", meta, {v});
  auto f = a.finding(a.detect(), "KeyDeleted");
  EXPECT_TRUE(a.remedy_mentions(f, "az keyvault key recover"));
  a.keys.purge("kv1", "k1");
  f = a.finding(a.detect(), "KeyPurged");
  EXPECT_TRUE(a.remedy_mentions(f, "recreated"));
}

TEST(KmsDetector, VaultSoftDeletedThenPurged) {
  Detector a;
  ASSERT_LT(a.call(verb::delete_, a.vault_id, "2022-07-01").result_int(), 300);
  auto f = a.finding(a.detect(), "VaultDeleted");
  EXPECT_TRUE(a.remedy_mentions(f, "az keyvault recover --name kv1"));
  a.w.vaults.purge("kv1");
  EXPECT_EQ(a.finding(a.detect(), "VaultPurged")["status"], "critical");
}

TEST(KmsDetector, IdentityDeleted) {
  Detector a;
  ASSERT_LT(a.call(verb::delete_, a.identity_id, "2022-01-31-preview").result_int(), 300);
  auto f = a.finding(a.detect(), "IdentityNotFound");
  EXPECT_EQ(f["status"], "critical");
}

TEST(KmsDetector, AccessPolicyRemoved) {
  Detector a;
  a.put_vault("kv1", false);
  auto f = a.finding(a.detect(), "AccessPolicyMissing");
  EXPECT_TRUE(a.remedy_mentions(f, "az keyvault set-policy --name kv1 --object-id " + a.principal));
}

TEST(KmsDetector, RbacVaultWithoutTheRole) {
  Detector a;
  a.put_vault("kv1", false, {{"enableRbacAuthorization", true}});
  auto f = a.finding(a.detect(), "RbacAccessMissing");
  EXPECT_TRUE(a.remedy_mentions(f, "Key Vault Crypto User"));
}

TEST(KmsDetector, FirewallBlocksTheClustersEgress) {
  Detector a;
  a.put_vault("kv1", true, {{"networkAcls", {{"defaultAction", "Deny"}, {"bypass", "None"}}}});
  auto f = a.finding(a.detect(), "VaultFirewallBlocksCluster");
  EXPECT_EQ(f["evidence"]["egressAddress"], a.planes.specs.back().egress_address);
  EXPECT_TRUE(a.remedy_mentions(f, "--default-action Allow"));
}

TEST(KmsDetector, PluginUnreachableUnhealthyAndApiserverDown) {
  Detector a;
  a.observe({Detector::call_of(1, "Unavailable", "connection error: connect: no such file")});
  auto d = a.detect();
  EXPECT_EQ(a.finding(d, "PluginUnreachable")["status"], "critical");
  auto o = a.planes.observations[a.id];
  o.failing_checks["kms-providers"] = "internal server error: rpc error: code = Unavailable";
  a.planes.observations[a.id] = o;
  EXPECT_TRUE(a.has(a.detect(), "PluginUnhealthy"));
  a.planes.observations[a.id] = {false, "connection refused", {}, {}, std::nullopt};
  EXPECT_TRUE(a.has(a.detect(), "ApiServerUnreachable"));
}

TEST(KmsDetector, PreviousKeyExpiredOrExpiring) {
  Detector a;
  a.add_key("kv1", "k1", "v2");
  a.put_done(a.body(AksWorld::kms("https://kv1.vault.azure.net/keys/k1/v2"), "1.27"));
  a.add_key("kv1", "k1", "0123abcd", a.now() + 3600);
  auto d = a.detect();
  EXPECT_EQ(d["properties"]["kmslab"]["kms"]["previousKeyVersion"], "0123abcd");
  EXPECT_EQ(d["properties"]["kmslab"]["kms"]["currentKeyVersion"], "v2");
  auto f = a.finding(d, "PreviousKeyExpiringSoon");
  EXPECT_EQ(f["status"], "warning");
  EXPECT_TRUE(a.remedy_mentions(f, "until the next rotation"));
  a.add_key("kv1", "k1", "0123abcd", a.now() - 1);
  EXPECT_EQ(a.finding(a.detect(), "PreviousKeyExpired")["status"], "critical");
}

TEST(KmsDetector, KmsV1NearOrOverTwoThousandSecrets) {
  Detector a("1.26");
  ASSERT_EQ(a.planes.specs.back().kms[0].kms_api_version, 1);
  aks::ControlPlaneObservation o;
  o.apiserver_answered = true;
  o.stored_secrets = 1900;
  a.planes.observations[a.id] = o;
  EXPECT_EQ(a.finding(a.detect(), "KmsV1SecretLimitNear")["status"], "warning");
  a.planes.observations[a.id].stored_secrets = 2001;
  EXPECT_EQ(a.finding(a.detect(), "KmsV1SecretLimitExceeded")["status"], "critical");
}

TEST(KmsDetector, KmsV2HasNoSecretLimit) {
  Detector a;
  aks::ControlPlaneObservation o;
  o.apiserver_answered = true;
  o.stored_secrets = 50000;
  a.planes.observations[a.id] = o;
  EXPECT_TRUE(a.has(a.detect(), "KmsHealthy"));
}

TEST(KmsDetector, ListUnknownDetectorAndUnknownCluster) {
  Detector a;
  auto list = a.call(verb::get, a.cluster() + "/detectors", AksWorld::kOld);
  ASSERT_EQ(list.result_int(), 200);
  EXPECT_EQ(json::parse(list.body())["value"][0]["name"], "azure-keyvault-kms-integration-issues");
  // The api-version public detector clients send (aks-mcp), and one no RP version knows.
  const std::string kms = a.cluster() + "/detectors/azure-keyvault-kms-integration-issues";
  EXPECT_EQ(a.call(verb::get, kms + "?startTime=2026-01-01T00:00:00Z", "2024-08-01").result_int(),
            200);
  auto unknown = a.call(verb::get, kms, "2099-01-01");
  EXPECT_EQ(unknown.result_int(), 400);
  EXPECT_EQ(AksWorld::code(unknown), "NoRegisteredProviderFound");
  auto other = a.call(verb::get, a.cluster() + "/detectors/aks-category-crud", AksWorld::kOld);
  EXPECT_EQ(other.result_int(), 404);
  EXPECT_EQ(AksWorld::code(other), "DetectorNotFound");
  auto missing =
      a.call(verb::get, a.cluster("nope") + "/detectors/azure-keyvault-kms-integration-issues",
             AksWorld::kOld);
  EXPECT_EQ(missing.result_int(), 404);
}

}  // namespace
}  // namespace kmslab::testing
