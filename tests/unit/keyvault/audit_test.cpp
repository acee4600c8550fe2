// The vault's AuditEvent log (key-vault/general/logging.md): every data-plane answer is a record
// in the documented shape, kept in the store within --audit-retention, read back through the
// admin API; no key, plaintext or ciphertext ever reaches it.
#include <gtest/gtest.h>

#include "emulator/identity/jwt.hpp"
#include "emulator/identity/signing_key.hpp"
#include "emulator/keyvault/audit_event.hpp"
#include "emulator/store/local_store.hpp"
#include "tests/support/full_disk_store.hpp"
#include "tests/support/keyvault_harness.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::keyvault {
namespace {

using core::http::verb;
using nlohmann::json;

json records(testing::KeyVaultHarness& kv, const std::string& query = "") {
  const auto r = kv.send(verb::get, "/_kmslab/vaults/myvault/audit-events", nullptr,
                         query.empty() ? "?" : query);
  EXPECT_EQ(r.status, 200u) << r.raw;
  return r.body["records"];
}

testing::KeyVaultHarness::Tune no_window() {
  return [](KeyVaultOptions& o) { o.deletion_window = std::chrono::milliseconds(0); };
}

class AuditTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> store_ = store::open_store("memory");
  testing::KeyVaultHarness kv_{*store_, no_window()};
};

TEST_F(AuditTest, EncryptIsAKeyEncryptRecordInTheDocumentedShape) {
  const auto made = kv_.send(verb::post, "/keys/k1/create", {{"kty", "RSA"}});
  ASSERT_EQ(made.status, 200u) << made.raw;
  const std::string kid = made.body["key"]["kid"];
  kv_.clock().advance(std::chrono::milliseconds(1500));
  kv_.set_header("User-Agent", "azsdk-go-azkeys/v1.0.0 kms-plugin");
  kv_.set_header("x-ms-client-request-id", "c0ffee00-0000-4000-8000-000000000001");
  const auto enc =
      kv_.send(verb::post, "/keys/k1//encrypt", {{"alg", "RSA-OAEP-256"}, {"value", "AAAA"}});
  ASSERT_EQ(enc.status, 200u) << enc.raw;

  const json all = records(kv_);
  ASSERT_EQ(all.size(), 2u) << all.dump();
  EXPECT_EQ(all[0]["operationName"], "KeyCreate");
  const json& r = all[1];
  EXPECT_EQ(r["time"], "2026-01-01T00:00:01.5000000Z");  // the virtual clock
  EXPECT_EQ(r["resourceId"],
            "/SUBSCRIPTIONS//RESOURCEGROUPS//PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/MYVAULT");
  EXPECT_EQ(r["operationName"], "KeyEncrypt");
  EXPECT_EQ(r["operationVersion"], "7.4");
  EXPECT_EQ(r["category"], "AuditEvent");
  EXPECT_EQ(r["resultType"], "Success");
  EXPECT_EQ(r["resultSignature"], "OK");
  EXPECT_EQ(r["resultDescription"], "");
  EXPECT_TRUE(r["durationMs"].is_string());
  EXPECT_EQ(r["callerIpAddress"], "127.0.0.1");
  EXPECT_EQ(r["correlationId"], "c0ffee00-0000-4000-8000-000000000001");
  EXPECT_EQ(r["identity"], json({{"claim", json::object()}})) << "no token was accepted";
  const json& p = r["properties"];
  EXPECT_EQ(p["clientInfo"], "azsdk-go-azkeys/v1.0.0 kms-plugin");
  EXPECT_EQ(p["requestUri"], "https://myvault.vault.azure.net/keys/k1//encrypt?api-version=7.4");
  EXPECT_EQ(p["id"], kid) << "the key version the call used";
  EXPECT_EQ(all[0]["properties"]["id"], kid) << "the version KeyCreate made";
  EXPECT_EQ(p["httpStatusCode"], 200);
  EXPECT_EQ(p["isAccessPolicyMatch"], false) << "no identities: nothing was judged";
  // Member order is the documented one.
  const auto raw = kv_.send(verb::get, "/_kmslab/vaults/myvault/audit-events", nullptr, "?").raw;
  EXPECT_LT(raw.find("\"time\""), raw.find("\"resourceId\""));
  EXPECT_LT(raw.find("\"resultSignature\""), raw.find("\"callerIpAddress\""));
}

TEST_F(AuditTest, NoKeyPlaintextOrCiphertextIsRecorded) {
  const auto made = kv_.send(verb::post, "/keys/k1/create", {{"kty", "RSA"}});
  ASSERT_EQ(made.status, 200u);
  const std::string plaintext = "c2VjcmV0LXBsYWludGV4dC1ieXRlcw";
  const auto enc =
      kv_.send(verb::post, "/keys/k1//encrypt", {{"alg", "RSA-OAEP-256"}, {"value", plaintext}});
  ASSERT_EQ(enc.status, 200u) << enc.raw;
  const std::string ciphertext = enc.body["value"];
  const auto dec =
      kv_.send(verb::post, "/keys/k1//decrypt", {{"alg", "RSA-OAEP-256"}, {"value", ciphertext}});
  ASSERT_EQ(dec.status, 200u) << dec.raw;
  const std::string modulus = made.body["key"]["n"];
  std::string stored;
  for (const auto& kv : store_->range(AuditLog::kPrefix).kvs) stored += kv.value;
  ASSERT_NE(stored.find("KeyDecrypt"), std::string::npos);
  for (const std::string& secret : {plaintext, ciphertext, modulus.substr(0, 40)}) {
    EXPECT_EQ(stored.find(secret), std::string::npos) << secret;
  }
}

TEST_F(AuditTest, RefusalsAndErrorsAreRecordedWithTheirSignatureAndMessage) {
  const auto challenge = kv_.send(verb::get, "/keys/k1", nullptr, {}, false);
  ASSERT_EQ(challenge.status, 401u);
  const auto missing = kv_.send(verb::get, "/keys/nothere");
  ASSERT_EQ(missing.status, 404u);
  const auto bad_version = kv_.send(verb::get, "/keys", nullptr, "?api-version=1999-01-01");
  ASSERT_EQ(bad_version.status, 400u);
  const json all = records(kv_);
  ASSERT_EQ(all.size(), 3u) << all.dump();
  EXPECT_EQ(all[0]["operationName"], "Authentication");
  EXPECT_EQ(all[0]["resultSignature"], "Unauthorized");
  EXPECT_EQ(all[0]["resultType"], "Failure");
  EXPECT_EQ(all[0]["properties"]["httpStatusCode"], 401);
  EXPECT_EQ(all[1]["operationName"], "KeyGet");
  EXPECT_EQ(all[1]["resultSignature"], "NotFound");
  EXPECT_EQ(all[1]["resultDescription"], missing.body["error"]["message"]);
  EXPECT_EQ(all[1]["correlationId"], missing.request_id) << "no client id: the request id";
  EXPECT_EQ(all[1]["properties"]["id"], "https://myvault.vault.azure.net/keys/nothere");
  EXPECT_EQ(all[2]["operationName"], "KeyList");
  EXPECT_EQ(all[2]["operationVersion"], "1999-01-01");
  EXPECT_EQ(all[2]["resultSignature"], "BadRequest");
}

TEST_F(AuditTest, ThrottledCallsAreRecordedAs429) {
  std::unique_ptr<store::Store> store = store::open_store("memory");
  testing::KeyVaultHarness kv{*store, [](KeyVaultOptions& o) {
                                o.throttle.enabled = true;
                                o.throttle.other_per_window = 1;
                              }};
  kv.send(verb::get, "/keys");
  const auto refused = kv.send(verb::get, "/keys");
  ASSERT_EQ(refused.status, 429u) << refused.raw;
  const json all = records(kv);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1]["resultSignature"], "TooManyRequests");
  EXPECT_EQ(all[1]["properties"]["httpStatusCode"], 429);
}

TEST_F(AuditTest, QueryBySinceOperationAndLimitOldestFirst) {
  kv_.send(verb::post, "/keys/k1/create", {{"kty", "RSA"}});
  for (int i = 0; i < 3; ++i) {
    kv_.clock().advance(std::chrono::seconds(10));
    kv_.send(verb::post, "/keys/k1//encrypt", {{"alg", "RSA-OAEP-256"}, {"value", "AAAA"}});
    kv_.send(verb::get, "/keys/k1");
  }
  EXPECT_EQ(records(kv_).size(), 7u);
  const json enc = records(kv_, "?operation=keyencrypt");
  ASSERT_EQ(enc.size(), 3u);
  EXPECT_EQ(enc[0]["time"], "2026-01-01T00:00:10.0000000Z");
  const json since = records(kv_, "?since=2026-01-01T00:00:20Z&operation=KeyGet");
  ASSERT_EQ(since.size(), 2u);
  EXPECT_EQ(since[0]["time"], "2026-01-01T00:00:20.0000000Z");
  const json last = records(kv_, "?limit=2");
  ASSERT_EQ(last.size(), 2u) << "the most recent two, oldest first";
  EXPECT_EQ(last[0]["operationName"], "KeyEncrypt");
  EXPECT_EQ(last[1]["operationName"], "KeyGet");
  EXPECT_EQ(last[1]["time"], "2026-01-01T00:00:30.0000000Z");
  const auto across = kv_.send(verb::get, "/_kmslab/audit-events", nullptr, "?limit=1");
  ASSERT_EQ(across.status, 200u);
  EXPECT_EQ(across.body["records"].size(), 1u);
}

TEST_F(AuditTest, BadParametersAndUnknownVaultsAreRefused) {
  for (const char* q : {"?since=yesterday", "?limit=0", "?limit=-1", "?limit=2x", "?colour=red"}) {
    const auto r = kv_.send(verb::get, "/_kmslab/vaults/myvault/audit-events", nullptr, q);
    EXPECT_EQ(r.status, 400u) << q;
    EXPECT_EQ(r.body["error"]["code"], "BadParameter") << q;
  }
  const auto unknown = kv_.send(verb::get, "/_kmslab/vaults/novault/audit-events", nullptr, "?");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.body["error"]["code"], "VaultNotFound");
  EXPECT_TRUE(store_->range(AuditLog::kPrefix).kvs.empty()) << "queries are not audited";
}

TEST(AuditRetentionTest, OldestRecordsAreDroppedAndTheLogSurvivesARestart) {
  testing::TempDir dir;
  const std::string spec = "sqlite:" + dir.file("store.db");
  auto tune = [](KeyVaultOptions& o) { o.audit_retention = 3; };
  {
    auto store = store::open_store(spec);
    testing::KeyVaultHarness kv{*store, tune};
    for (int i = 0; i < 5; ++i) kv.send(verb::get, "/keys/k" + std::to_string(i));
    const json all = records(kv);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0]["properties"]["id"], "https://myvault.vault.azure.net/keys/k2");
  }
  auto store = store::open_store(spec);  // the emulator restarted on its data directory
  testing::KeyVaultHarness kv{*store, tune};
  kv.send(verb::get, "/keys/k5");
  const json all = records(kv);
  ASSERT_EQ(all.size(), 3u) << all.dump();
  EXPECT_EQ(all[0]["properties"]["id"], "https://myvault.vault.azure.net/keys/k3");
  EXPECT_EQ(all[2]["properties"]["id"], "https://myvault.vault.azure.net/keys/k5");
  EXPECT_EQ(store->range(AuditLog::kPrefix).kvs.size(), 3u);
}

TEST(AuditStoreTest, AFullStoreLosesTheRecordNotTheAnswer) {
  auto memory = store::open_store("memory");
  testing::FullDiskStore store(*memory);
  testing::KeyVaultHarness kv{store};
  store.full = true;
  EXPECT_EQ(kv.send(verb::get, "/keys").status, 200u);
  EXPECT_EQ(store.refused, 1) << "the record was attempted";
  store.full = false;
  kv.send(verb::get, "/keys/k1");
  const json all = records(kv);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["operationName"], "KeyGet");
}

TEST(AuditRetentionTest, ZeroRetentionKeepsNoLog) {
  auto store = store::open_store("memory");
  testing::KeyVaultHarness kv{*store, [](KeyVaultOptions& o) { o.audit_retention = 0; }};
  kv.send(verb::get, "/keys");
  EXPECT_TRUE(store->range(AuditLog::kPrefix).kvs.empty());
  EXPECT_EQ(kv.send(verb::get, "/_kmslab/vaults/myvault/audit-events").status, 404u);
}

// With identities: the caller's claims, the access policy verdict, firewall refusals.
class AuditIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    VaultSettings v = vault_from_flag("myvault", "t", "eastus");
    v.open_access = false;
    v.subscription_id = "sub1";
    v.resource_group = "rg1";
    v.access_policies.push_back({"t", "oid-1", "", {"encrypt", "create"}, {}, {}, {}});
    kv_.vaults().put(v);
    kv_.set_bearer(identity::jwt::sign(
        {{"oid", "oid-1"}, {"appid", "app-1"}, {"upn", "ann@contoso.com"}, {"tid", "t"}}, key_));
  }
  identity::SigningKey key_ = identity::SigningKey::generate();
  core::VirtualClock clock_{core::VirtualClock::Mode::kManual,
                            *core::parse_rfc3339("2026-01-01T00:00:00Z")};
  identity::TokenVerifier tokens_{std::make_shared<const identity::SigningKey>(key_), clock_, true};
  std::unique_ptr<store::Store> store_ = store::open_store("memory");
  testing::KeyVaultHarness kv_{*store_, [this](KeyVaultOptions& o) { o.tokens = &tokens_; }};
};

TEST_F(AuditIdentityTest, ClaimsAndTheAccessPolicyVerdictAreRecorded) {
  ASSERT_EQ(kv_.send(verb::post, "/keys/k1/create", {{"kty", "RSA"}}).status, 200u);
  const auto refused =
      kv_.send(verb::post, "/keys/k1//decrypt", {{"alg", "RSA-OAEP-256"}, {"value", "AAAA"}});
  ASSERT_EQ(refused.status, 403u) << refused.raw;
  const json all = records(kv_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]["resourceId"],
            "/SUBSCRIPTIONS/SUB1/RESOURCEGROUPS/RG1/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/MYVAULT");
  EXPECT_EQ(all[0]["properties"]["isAccessPolicyMatch"], true);
  const json claim = all[1]["identity"]["claim"];
  EXPECT_EQ(claim["http://schemas.microsoft.com/identity/claims/objectidentifier"], "oid-1");
  EXPECT_EQ(claim["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"], "ann@contoso.com");
  EXPECT_EQ(claim["appid"], "app-1");
  EXPECT_EQ(all[1]["operationName"], "KeyDecrypt");
  EXPECT_EQ(all[1]["resultSignature"], "Forbidden");
  EXPECT_EQ(all[1]["properties"]["isAccessPolicyMatch"], false);
  EXPECT_EQ(all[1]["resultDescription"], refused.body["error"]["message"]);
}

TEST_F(AuditIdentityTest, FirewallRefusalsAreRecorded) {
  auto v = *kv_.vaults().find("myvault");
  v.public_network_access = "Disabled";
  kv_.vaults().put(v);
  const auto refused = kv_.send(verb::get, "/keys");
  ASSERT_EQ(refused.status, 403u) << refused.raw;
  const json all = records(kv_);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["operationName"], "KeyList");
  EXPECT_EQ(all[0]["resultSignature"], "Forbidden");
  EXPECT_EQ(all[0]["resultDescription"], refused.body["error"]["message"]);
  EXPECT_EQ(all[0]["identity"]["claim"]["appid"], "app-1");
}

TEST(AuditHsmTest, ManagedHsmRecordsNameTheHsmResource) {
  auto store = store::open_store("memory");
  testing::KeyVaultHarness kv{*store};
  kv.vaults().put(managed_hsm_from_flag("myhsm", "t", "westus3"));
  kv.set_host("myhsm.managedhsm.azure.net");
  ASSERT_EQ(kv.send(verb::get, "/keys/nothere").status, 404u);
  const auto r = kv.send(verb::get, "/_kmslab/vaults/myhsm/audit-events", nullptr, "?");
  ASSERT_EQ(r.status, 200u);
  ASSERT_EQ(r.body["records"].size(), 1u);
  const json& rec = r.body["records"][0];
  EXPECT_EQ(rec["resourceId"],
            "/SUBSCRIPTIONS//RESOURCEGROUPS//PROVIDERS/MICROSOFT.KEYVAULT/MANAGEDHSMS/MYHSM");
  EXPECT_EQ(rec["operationName"], "KeyGet");
}

TEST(AuditEventTest, NamesSignaturesAndTimes) {
  EXPECT_EQ(audit_operation_name("keys.unwrapkey", 200), "KeyUnwrap");
  EXPECT_EQ(audit_operation_name("keys.wrapkey", 200), "KeyWrap");
  EXPECT_EQ(audit_operation_name("deletedkeys.recover", 200), "KeyRecover");
  EXPECT_EQ(audit_operation_name("keys.decrypt", 401), "Authentication");
  EXPECT_EQ(audit_result_signature(503), "ServiceUnavailable");
  EXPECT_EQ(audit_result_signature(418), "418");
  EXPECT_EQ(audit_time(*core::parse_rfc3339("2016-01-05T01:32:01.2691226Z")),
            "2016-01-05T01:32:01.2691226Z");
}

}  // namespace
}  // namespace kmslab::keyvault
