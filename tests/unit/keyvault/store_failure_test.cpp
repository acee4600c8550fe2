// A Key Vault write the store cannot commit (disk full, I/O error: StoreError) answers Azure's 500
// envelope through the dispatcher's error path, and changes nothing a later request can see.
// Requests go through the real Router + Dispatcher, as the transport hands them over.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "emulator/store/local_store.hpp"
#include "emulator/store/sqlite_journal.hpp"
#include "tests/support/full_disk_store.hpp"
#include "tests/support/keyvault_harness.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::keyvault {
namespace {

using core::http::verb;
using nlohmann::json;

using testing::FullDiskStore;

using Response = testing::KvResponse;
using KeyVault = testing::KeyVaultHarness;

const json kCreateEc = {{"kty", "EC"}, {"crv", "P-256"}};

void expect_internal_error(const Response& r) {
  EXPECT_EQ(r.status, 500u);
  ASSERT_TRUE(r.body.is_object()) << r.body;
  EXPECT_EQ(r.body["error"]["code"], "InternalServerError") << r.body;
  // The client learns nothing of the store; the request id ties the answer to the log line.
  const std::string message = r.body["error"]["message"];
  EXPECT_NE(message.find(r.request_id), std::string::npos) << message;
  EXPECT_EQ(message.find("disk"), std::string::npos) << message;
}

class StoreFailureTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> memory_ = store::open_store("memory");
  FullDiskStore store_{*memory_};
};

TEST_F(StoreFailureTest, CreateOnAFullStoreAnswers500AndCreatesNothing) {
  KeyVault kv(store_);
  const int64_t revision = store_.revision();
  store_.full = true;
  const Response created = kv.send(verb::post, "/keys/k1/create", kCreateEc);
  expect_internal_error(created);
  EXPECT_EQ(store_.refused, 1);  // it failed at the commit, not before
  EXPECT_NE(kv.log().find("database or disk is full"), std::string::npos) << kv.log();
  EXPECT_NE(kv.log().find(created.request_id), std::string::npos);

  EXPECT_EQ(store_.revision(), revision);
  const Response get = kv.send(verb::get, "/keys/k1");
  EXPECT_EQ(get.status, 404u);
  EXPECT_EQ(get.body["error"]["code"], "KeyNotFound");
  EXPECT_EQ(kv.send(verb::get, "/keys").body["value"], json::array());

  // Once the disk has room again the same request succeeds: nothing was left half-done or locked.
  store_.full = false;
  EXPECT_EQ(kv.send(verb::post, "/keys/k1/create", kCreateEc).status, 200u);
  EXPECT_EQ(kv.send(verb::get, "/keys/k1").status, 200u);
}

TEST_F(StoreFailureTest, WritesToAnExistingKeyOnAFullStoreLeaveItUnchanged) {
  // Without the audit log: `refused` counts the key writes alone (audit_test.cpp has its own).
  KeyVault kv(store_, [](KeyVaultOptions& o) { o.audit_retention = 0; });
  ASSERT_EQ(kv.send(verb::post, "/keys/k1/create", kCreateEc).status, 200u);
  const Response before = kv.send(verb::get, "/keys/k1");
  const Response versions_before = kv.send(verb::get, "/keys/k1/versions");
  ASSERT_EQ(before.status, 200u);
  const Response policy_before = kv.send(verb::get, "/keys/k1/rotationpolicy");
  const std::string kid = before.body["key"]["kid"];
  const std::string version = kid.substr(kid.rfind('/') + 1);
  const int64_t revision = store_.revision();

  store_.full = true;
  struct Write {
    verb method;
    std::string path;
    json body;
  };
  const Write writes[] = {
      {verb::patch, "/keys/k1", {{"attributes", {{"enabled", false}}}, {"tags", {{"a", "b"}}}}},
      {verb::patch, "/keys/k1/" + version, {{"key_ops", {"sign"}}}},
      {verb::delete_, "/keys/k1", nullptr},
      {verb::post, "/keys/k1/rotate", json::object()},
      {verb::post, "/keys/k1/create", kCreateEc},  // a new version
      {verb::put, "/keys/k1/rotationpolicy", {{"attributes", {{"expiryTime", "P90D"}}}}},
  };
  for (const Write& w : writes) {
    SCOPED_TRACE(std::string(core::http::to_string(w.method)) + " " + w.path);
    expect_internal_error(kv.send(w.method, w.path, w.body));
    const Response after = kv.send(verb::get, "/keys/k1");
    EXPECT_EQ(after.status, 200u);
    EXPECT_EQ(after.body, before.body);
    EXPECT_EQ(kv.send(verb::get, "/keys/k1/versions").body, versions_before.body);
    EXPECT_EQ(kv.send(verb::get, "/keys/k1/rotationpolicy").body, policy_before.body);
  }
  EXPECT_EQ(store_.refused, static_cast<int>(std::size(writes)));
  EXPECT_EQ(store_.revision(), revision);
  EXPECT_EQ(store_.check_integrity(), "");
}

// The same through the real journal: SQLite's page cap (SqliteOptions::max_page_count) makes it
// answer SQLITE_FULL exactly as a full disk does, and the file must not hold the failed write.
TEST(StoreFailureSqliteTest, SqliteFullAnswers500AndTheFileKeepsOnlyAcknowledgedKeys) {
  testing::TempDir dir;
  const std::string path = dir.file("store.db");
  // Tags make each key larger, so the cap is reached in a few dozen requests.
  const json padded = {{"kty", "EC"}, {"crv", "P-256"}, {"tags", {{"pad", std::string(200, 'x')}}}};
  int created = 0;
  std::string failed_name;
  {
    store::LocalStore store(
        std::make_unique<store::SqliteJournal>(path, store::SqliteOptions{.max_page_count = 48}));
    KeyVault kv(store);
    for (int i = 0; i < 1000 && failed_name.empty(); ++i) {
      const std::string name = "key-" + std::to_string(i);
      const Response r = kv.send(verb::post, "/keys/" + name + "/create", padded);
      if (r.status == 200u) {
        ++created;
        continue;
      }
      expect_internal_error(r);
      failed_name = name;
    }
    ASSERT_FALSE(failed_name.empty()) << "the store never filled up";
    ASSERT_GT(created, 0);
    EXPECT_NE(kv.log().find("full"), std::string::npos) << kv.log();
    EXPECT_EQ(kv.send(verb::get, "/keys/" + failed_name).status, 404u);
    EXPECT_EQ(kv.send(verb::get, "/keys/key-0").status, 200u);
    EXPECT_EQ(store.check_integrity(), "");
  }
  // What is on disk after the failure: every acknowledged key, and not the refused one.
  auto reopened = store::open_store("sqlite:" + path);
  EXPECT_EQ(reopened->check_integrity(), "");
  KeyVault kv(*reopened);
  EXPECT_EQ(kv.send(verb::get, "/keys/" + failed_name).status, 404u);
  for (int i = 0; i < created; ++i) {
    EXPECT_EQ(kv.send(verb::get, "/keys/key-" + std::to_string(i)).status, 200u) << i;
  }
}

}  // namespace
}  // namespace kmslab::keyvault
