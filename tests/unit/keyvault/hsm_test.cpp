// Managed HSM (recorded-keyvault.md §9): the same keys API at {hsm}.managedhsm.azure.net, with
// the HSM's challenge, headers and wording.
#include <gtest/gtest.h>

#include <regex>

#include "emulator/store/local_store.hpp"
#include "tests/support/keyvault_harness.hpp"

namespace kmslab::keyvault {
namespace {

using core::http::verb;
using nlohmann::json;

class HsmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_.vaults().put(managed_hsm_from_flag("myhsm", "t", "westus3"));
    kv_.set_host("myhsm.managedhsm.azure.net");
  }
  std::unique_ptr<store::Store> store_ = store::open_store("memory");
  testing::KeyVaultHarness kv_{
      *store_, [](KeyVaultOptions& o) { o.deletion_window = std::chrono::milliseconds(0); }};
};

void expect_hsm_headers(const testing::KvResponse& r) {
  EXPECT_EQ(r.headers.at("content-security-policy"), "default-src 'self'");
  EXPECT_EQ(r.headers.at("x-frame-options"), "SAMEORIGIN");
  EXPECT_EQ(r.headers.at("strict-transport-security"), "max-age=31536000; includeSubDomains");
  EXPECT_TRUE(r.has("x-ms-server-latency"));
  for (const char* absent : {"date", "expires", "pragma", "x-ms-keyvault-service-version"}) {
    EXPECT_FALSE(r.has(absent)) << absent;
  }
}

// N:MH/GetRandomBytes(16).json, MH/GetKeyNonExisting.json.
TEST_F(HsmTest, ChallengeIsAnEmpty401ForTheHsmResource) {
  const auto r = kv_.send(verb::get, "/keys/k1", nullptr, {}, false);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.raw, "");
  EXPECT_EQ(
      r.headers.at("www-authenticate"),
      R"(Bearer authorization="https://login.microsoftonline.com/t", resource="https://managedhsm.azure.net")");
  expect_hsm_headers(r);
  EXPECT_FALSE(r.has("x-ms-keyvault-region"));
}

TEST_F(HsmTest, MessagesEndWithTheActivityIdAndNameTheKeyUrl) {
  const auto r = kv_.send(verb::get, "/keys/nothere");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.body["error"]["code"], "KeyNotFound");
  EXPECT_EQ(r.body["error"]["message"],
            "Key not found: https://myhsm.managedhsm.azure.net/keys/nothere (Activity ID: " +
                r.request_id + ")");
  EXPECT_TRUE(std::regex_match(r.request_id, std::regex("[0-9a-f-]{36}")));
  expect_hsm_headers(r);
  const auto bad = kv_.send(verb::post, "/keys/k/create", {{"kty", "nope"}});
  EXPECT_EQ(bad.status, 400u);
  const std::string message = bad.body["error"]["message"];
  EXPECT_TRUE(message.ends_with(" (Activity ID: " + bad.request_id + ")")) << message;
}

// C:K.CreateRsaHsmKey.json: exportable false, recoverableDays 7; success adds region and
// network info.
TEST_F(HsmTest, RsaHsmKeysAsRecorded) {
  const auto r = kv_.send(verb::post, "/keys/rk/create", {{"kty", "RSA-HSM"}});
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["key"]["kty"], "RSA-HSM");
  EXPECT_EQ(r.body["attributes"]["exportable"], false);
  EXPECT_EQ(r.body["attributes"]["recoverableDays"], 7);
  EXPECT_EQ(r.body["attributes"]["recoveryLevel"], "CustomizedRecoverable+Purgeable");
  const std::string kid = r.body["key"]["kid"];
  EXPECT_EQ(kid.rfind("https://myhsm.managedhsm.azure.net/keys/rk/", 0), 0u) << kid;
  EXPECT_EQ(r.headers.at("x-ms-keyvault-region"), "westus3");
  EXPECT_EQ(r.headers.at("x-ms-keyvault-network-info"),
            "conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;");
  expect_hsm_headers(r);
  const auto wrapped =
      kv_.send(verb::post, "/keys/rk//wrapkey", {{"alg", "RSA-OAEP-256"}, {"value", "AAAA"}});
  EXPECT_EQ(wrapped.status, 200u) << wrapped.raw;
}

// N:MH/RestoreKeyNonExisting.json, MH/GetRandomBytes(16).json: "//restore" and "//rng" work.
TEST_F(HsmTest, DoubleSlashRestoreAndRng) {
  const auto rng = kv_.send(verb::post, "//rng", {{"count", 16}});
  ASSERT_EQ(rng.status, 200u) << rng.raw;
  EXPECT_EQ(rng.body["value"].get<std::string>().size(), 22u);
  const auto restore = kv_.send(verb::post, "/keys//restore", {{"value", "AAAA"}});
  EXPECT_EQ(restore.status, 400u) << "handled as a restore of a bad blob: " << restore.raw;
  EXPECT_EQ(restore.body["error"]["code"], "MalformedBackupBlob");
  EXPECT_EQ(restore.body["error"]["message"],
            "Backup blob belongs to a different crypto domain and cannot be used with this "
            "instance. (Activity ID: " +
                restore.request_id + ")");
}

// An HSM restores its own backups only; a vault's backup (or another HSM's) is foreign to it,
// and an HSM's backup does not restore into a vault.
TEST_F(HsmTest, BackupsStayInTheirCryptoDomain) {
  ASSERT_EQ(kv_.send(verb::post, "/keys/hk/create", {{"kty", "EC-HSM"}}).status, 200u);
  const auto hsm_backup = kv_.send(verb::post, "/keys/hk/backup");
  ASSERT_EQ(hsm_backup.status, 200u);
  ASSERT_EQ(kv_.send(verb::delete_, "/keys/hk").status, 200u);
  kv_.set_host("myvault.vault.azure.net");
  ASSERT_EQ(kv_.send(verb::post, "/keys/vk/create", {{"kty", "EC"}}).status, 200u);
  const auto vault_backup = kv_.send(verb::post, "/keys/vk/backup");
  const auto into_vault = kv_.send(verb::post, "/keys/restore", hsm_backup.body);
  EXPECT_EQ(into_vault.status, 400u) << into_vault.raw;
  kv_.set_host("myhsm.managedhsm.azure.net");
  const auto foreign = kv_.send(verb::post, "/keys/restore", vault_backup.body);
  EXPECT_EQ(foreign.body["error"]["code"], "MalformedBackupBlob") << foreign.raw;
  EXPECT_EQ(kv_.send(verb::delete_, "/deletedkeys/hk").status, 204u);
  const auto own = kv_.send(verb::post, "/keys/restore", hsm_backup.body);
  EXPECT_EQ(own.status, 200u) << own.raw;
}

TEST_F(HsmTest, VaultsAndHsmsAnswerOnlyUnderTheirOwnNames) {
  EXPECT_EQ(kv_.send(verb::get, "/keys").status, 200u);
  kv_.set_host("myvault.managedhsm.azure.net");
  EXPECT_EQ(kv_.send(verb::get, "/keys").status, 404u);
  kv_.set_host("myhsm.vault.azure.net");
  EXPECT_EQ(kv_.send(verb::get, "/keys").status, 404u);
  kv_.set_host("myvault.vault.azure.net");
  EXPECT_EQ(kv_.send(verb::get, "/keys").status, 200u);
  EXPECT_EQ(kv_.vaults().list().size(), 1u) << "ARM's vault listings leave the HSM out";
  EXPECT_EQ(kv_.vaults().list_managed_hsms().size(), 1u);
}

}  // namespace
}  // namespace kmslab::keyvault
