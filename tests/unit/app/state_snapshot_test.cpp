// Incident bundles' state (emulator/app/incident/state_snapshot.hpp): what is exported with and
// without key material, the round trip into a new store, and malformed or truncated bundles
// refused with a clear error and no change.
#include "emulator/app/incident/state_snapshot.hpp"
#include "emulator/app/incident/stand_in_keys.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "emulator/keyvault/key_repository.hpp"
#include "tests/support/keyvault_harness.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::app::incident {
namespace {

using core::http::verb;

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

testing::KvResponse decrypt(testing::KeyVaultHarness& kv, const std::string& value) {
  return kv.send(verb::post, "/keys/k1//decrypt", {{"alg", "RSA-OAEP-256"}, {"value", value}});
}

// The 403 of a key whose private half did not come with the state, `why` in its message.
void expect_withheld(const testing::KvResponse& r, const std::string& why) {
  EXPECT_EQ(r.status, 403u) << r.raw;
  EXPECT_EQ(r.body["error"]["innererror"]["code"], "KeyMaterialWithheld");
  const std::string message = r.body["error"]["message"];
  EXPECT_NE(message.find(why), std::string::npos) << message;
}

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = std::make_unique<testing::KeyVaultHarness>(*store_);
    const auto made = kv_->send(verb::post, "/keys/k1/create", {{"kty", "RSA"}});
    ASSERT_EQ(made.status, 200u) << made.raw;
    kid_ = made.body["key"]["kid"];
    const auto enc =
        kv_->send(verb::post, "/keys/k1//encrypt", {{"alg", "RSA-OAEP-256"}, {"value", "AAAA"}});
    ASSERT_EQ(enc.status, 200u);
    ciphertext_ = enc.body["value"];
    store_->put("/identity/signing-key", "{\"pkcs8_pem\":\"-----BEGIN PRIVATE KEY-----x\"}");
    store_->put("/kmslab/clock-subscribers", "[]");
    for (const auto& kv : store_->range("/kv/").kvs) {
      const auto j = nlohmann::json::parse(kv.value);
      if (j.contains("material")) material_ = j["material"];
    }
    ASSERT_FALSE(material_.empty());
  }
  std::unique_ptr<store::Store> store_ = store::open_store("memory");
  std::unique_ptr<testing::KeyVaultHarness> kv_;
  std::string kid_, ciphertext_, material_;
};

TEST_F(SnapshotTest, WithoutKeyMaterialThePrivatePartsAreWithheld) {
  const Snapshot s = take(*store_, false);
  EXPECT_EQ(s.withheld, 1u);
  const std::string text = to_text(s);
  EXPECT_EQ(text.find(material_.substr(0, 64)), std::string::npos);
  EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(text.find("/identity/signing-key"), std::string::npos);
  EXPECT_EQ(text.find("/kmslab/clock-subscribers"), std::string::npos) << "machine-local";
  EXPECT_NE(text.find("/kmslab/audit/myvault/"), std::string::npos) << "the audit log goes along";
  EXPECT_NE(text.find("material_withheld"), std::string::npos);
  const std::string with = to_text(take(*store_, true));
  EXPECT_NE(with.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(SnapshotTest, AReplayWithoutMaterialReadsKeysButCannotDecrypt) {
  const Snapshot s = parse_state(to_text(take(*store_, false)));
  EXPECT_FALSE(s.key_material);
  EXPECT_EQ(s.withheld, 1u);
  auto replay = store::open_store("memory");
  load(*replay, s);
  testing::KeyVaultHarness kv{*replay};
  const auto got = kv.send(verb::get, "/keys/k1");
  ASSERT_EQ(got.status, 200u) << got.raw;
  EXPECT_EQ(got.body["key"]["kid"], kid_);
  expect_withheld(decrypt(kv, ciphertext_), "--include-key-material");
}

TEST_F(SnapshotTest, StandInKeysServeNewValuesButNotTheOldOnes) {
  Snapshot s = parse_state(to_text(take(*store_, false)));
  EXPECT_EQ(make_stand_in_keys(s), 1u);
  const std::string text = to_text(s);
  EXPECT_EQ(text.find(material_.substr(0, 64)), std::string::npos) << "a new key, not the old";
  auto replay = store::open_store("memory");
  load(*replay, s);
  testing::KeyVaultHarness kv{*replay};
  const auto fresh =
      kv.send(verb::post, "/keys/k1//encrypt", {{"alg", "RSA-OAEP-256"}, {"value", "QkJCQg"}});
  ASSERT_EQ(fresh.status, 200u) << fresh.raw;
  const auto back = decrypt(kv, fresh.body["value"]);
  ASSERT_EQ(back.status, 200u) << back.raw;
  EXPECT_EQ(back.body["value"], "QkJCQg");
  expect_withheld(decrypt(kv, ciphertext_), "before the export");
}

TEST_F(SnapshotTest, AReplayWithMaterialDecryptsWhatTheOriginalEncrypted) {
  auto replay = store::open_store("memory");
  load(*replay, parse_state(to_text(take(*store_, true))));
  testing::KeyVaultHarness kv{*replay};
  const auto dec = decrypt(kv, ciphertext_);
  ASSERT_EQ(dec.status, 200u) << dec.raw;
  EXPECT_EQ(dec.body["value"], "AAAA");
}

TEST_F(SnapshotTest, LoadingIntoAStoreThatHoldsStateChangesNothing) {
  const Snapshot s = take(*store_, true);
  auto other = store::open_store("memory");
  other->put("/kv/vaults/x", "{}");
  const int64_t revision = other->revision();
  EXPECT_THROW(load(*other, s), std::invalid_argument);
  EXPECT_EQ(other->revision(), revision);
  EXPECT_EQ(other->range("").kvs.size(), 1u);
}

TEST(SnapshotParseTest, MalformedStateIsRefusedWithWhatIsWrong) {
  const std::string ok = R"({"format":"kmslab-state","version":1,"keyMaterial":false,"entries":[)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not a JSON object"},
      {"[]", "not a JSON object"},
      {R"({"format":"other","version":1,"keyMaterial":false,"entries":[]})", "format"},
      {R"({"format":"kmslab-state","version":2,"keyMaterial":false,"entries":[]})", "version"},
      {R"({"format":"kmslab-state","version":1,"entries":[]})", "keyMaterial"},
      {R"({"format":"kmslab-state","version":1,"keyMaterial":false,"entries":{}})", "entries"},
      {ok + R"({"value":"x"}]})", "entries[0]: needs a string \"key\""},
      {ok + R"({"key":"kv/x","value":"x"}]})", "must start with '/'"},
      {ok + R"({"key":"/b","value":"x"},{"key":"/a","value":"x"}]})", "entries[1]: keys must"},
      {ok + R"({"key":"/a","valueBase64url":"!!"}]})", "not base64url"},
      {ok + R"({"key":"/a"}]})", "needs a string \"value\""},
      {ok + R"({"key":"/a","value":"x"})", "not a JSON object"},  // truncated
  };
  for (const auto& [text, expected] : cases) {
    try {
      parse_state(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
          << text << " -> " << e.what();
    }
  }
}

TEST(SnapshotBundleTest, BundleDirectoriesNeedTheirManifest) {
  testing::TempDir dir;
  const std::string state =
      R"({"format":"kmslab-state","version":1,"keyMaterial":true,"entries":[{"key":"/a","value":"1"}]})";
  write(dir.file("state.json"), state);
  EXPECT_THROW(read_bundle(dir.path()), std::invalid_argument) << "no manifest.json";
  write(dir.file("manifest.json"), R"({"format":"kmslab-incident","version":9})");
  try {
    read_bundle(dir.path());
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("manifest.json"), std::string::npos) << e.what();
  }
  write(dir.file("manifest.json"), R"({"format":"kmslab-incident","version":1})");
  EXPECT_EQ(read_bundle(dir.path()).entries.size(), 1u);
  EXPECT_EQ(read_bundle(dir.file("state.json")).entries.size(), 1u) << "a state file alone";
  write(dir.file("state.json"), state.substr(0, state.size() / 2));  // truncated
  try {
    read_bundle(dir.path());
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("state.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kmslab::app::incident
