// Seeding a replayed cluster's etcd from an incident bundle (aks/supervisor/etcd_seed.hpp): the
// stored-objects.json parser and its malformed inputs, and the seed itself on a real etcd: every
// object back byte for byte under its key, in batches within etcd's limits, the seed file removed
// only once etcd holds them all, and kept (to try again) when etcd does not answer.
#include "emulator/aks/supervisor/etcd_seed.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "emulator/core/base64url.hpp"
#include "emulator/core/files.hpp"
#include "emulator/store/store.hpp"
#include "tests/support/etcd_cluster.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::aks {
namespace {

namespace fs = std::filesystem;

std::string b64(const std::string& s) {
  return core::base64_encode(s);
}

std::string one(const std::string& fields) {
  return R"({"objects":[{)" + fields + "}]}";
}

// Every byte value, as a KMS envelope may hold any.
std::string binary_value(const std::string& prefix) {
  std::string v = prefix;
  for (int c = 0; c < 256; ++c) v += static_cast<char>(c);
  return v;
}

TEST(EtcdSeed, ParsesWhatExportWritesAndRoundTrips) {
  const std::string v = binary_value("k8s:enc:kms:v2:azurekmsprovider:");
  const auto objects = parse_stored_objects(
      R"({"objects":[{"key":"/registry/secrets/default/db","prefix":"k8s:enc:kms:v2:azurekmsprovider:","valueBase64":")" +
      b64(v) + R"("},{"key":"/registry/namespaces/default","prefix":"","valueBase64":""}]})");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0], (StoredObject{"/registry/secrets/default/db", v}));
  EXPECT_EQ(objects[1], (StoredObject{"/registry/namespaces/default", ""}));
  EXPECT_EQ(parse_stored_objects(stored_objects_json(objects)), objects);
  EXPECT_TRUE(parse_stored_objects(R"({"objects":[]})").empty());
}

TEST(EtcdSeed, MalformedDocumentsAreRefusedNamingTheObject) {
  const std::string big(kEtcdMaxRequestBytes, 'x');
  const struct {
    std::string text, expected;
  } cases[] = {
      {"", "not JSON"},
      {"{\"objects\":[", "not JSON"},
      {"[]", "expected {\"objects\": [...]}"},
      {R"({"objects":{}})", "expected {\"objects\": [...]}"},
      {R"({"objects":[1]})", "objects[0]: must be an object"},
      {one(R"("valueBase64":"")"), "objects[0]: needs a string \"key\""},
      {one(R"("key":7,"valueBase64":"")"), "needs a string \"key\""},
      {one(R"("key":"/registry/secrets/a")"), "needs a string \"valueBase64\""},
      {one(R"("key":"/other/a","valueBase64":"")"), "key '/other/a' is not under /registry/"},
      {one(R"("key":"/registry/","valueBase64":"")"), "is not under /registry/"},
      {one(R"("key":"registry/x","valueBase64":"")"), "is not under /registry/"},
      {one(R"("key":"/registry/a","valueBase64":"%%%")"), "valueBase64 is not standard base64"},
      {one(R"("key":"/registry/a","valueBase64":"YWJj","prefix":"k8s:enc:kms:v2:p:")"),
       "does not start with its prefix 'k8s:enc:kms:v2:p:'"},
      {one(R"("key":"/registry/a","valueBase64":"","prefix":5)"), "needs a string \"prefix\""},
      {one(R"("key":"/registry/a","valueBase64":")" + b64(big) + "\""),
       "do not fit in one etcd request"},
      {R"({"objects":[{"key":"/registry/a","valueBase64":""},{"key":"/registry/b","valueBase64":""},{"key":"/registry/a","valueBase64":""}]})",
       "objects[2]: key '/registry/a' appears twice"},
  };
  for (const auto& c : cases) {
    try {
      parse_stored_objects(c.text);
      ADD_FAILURE() << "accepted: " << c.text.substr(0, 120);
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos)
          << e.what() << " for " << c.text.substr(0, 120);
    }
  }
}

class EtcdSeedOnEtcd : public ::testing::Test {
 protected:
  void SetUp() override {
    KMSLAB_REQUIRE_ETCD();
    etcd_ = std::make_unique<testing::EtcdCluster>(1);
    url_ = "http://" + etcd_->members()[0].endpoint();
  }
  std::unique_ptr<testing::EtcdCluster> etcd_;
  std::string url_;
  testing::TempDir dir_;
};

TEST_F(EtcdSeedOnEtcd, EveryObjectIsBackByteForByteAndTheFileGoes) {
  // More objects than one transaction may carry (--max-txn-ops 128), and more bytes than one
  // request (--max-request-bytes 1.5 MiB): the seed batches within both.
  std::vector<StoredObject> objects;
  for (int i = 0; i < 300; ++i)
    objects.push_back({"/registry/secrets/ns/s" + std::to_string(i),
                       binary_value("k8s:enc:kms:v2:azurekmsprovider:") +
                           std::string(i % 50 == 0 ? 300000 : 10, static_cast<char>(i))});
  const fs::path seed = etcd_seed_file(dir_.path());
  core::write_file_atomic(seed, stored_objects_json(objects), 0600);
  EXPECT_EQ(seed_etcd(seed, url_), objects.size());
  EXPECT_FALSE(fs::exists(seed));
  const auto store = store::open_store(etcd_->spec());
  const auto got = store->range("/registry/");
  ASSERT_EQ(got.kvs.size(), objects.size());
  for (const auto& o : objects) {
    const auto kv = store->get(o.key);
    ASSERT_TRUE(kv) << o.key;
    EXPECT_EQ(kv->value, o.value) << o.key;
  }
  EXPECT_EQ(seed_etcd(seed, url_), 0u);  // no file: nothing to do
}

TEST_F(EtcdSeedOnEtcd, SeedingAgainPutsTheSameBytes) {
  const std::vector<StoredObject> objects = {
      {"/registry/secrets/default/db", "k8s:enc:kms:v2:p:x"}};
  put_stored_objects(url_, objects);  // an earlier try that stopped before removing the file
  const fs::path seed = etcd_seed_file(dir_.path());
  core::write_file_atomic(seed, stored_objects_json(objects), 0600);
  EXPECT_EQ(seed_etcd(seed, url_), 1u);
  EXPECT_EQ(store::open_store(etcd_->spec())->get("/registry/secrets/default/db")->value,
            "k8s:enc:kms:v2:p:x");
}

TEST_F(EtcdSeedOnEtcd, AFileThatDoesNotParseOrAnEtcdDownKeepsTheFile) {
  const fs::path seed = etcd_seed_file(dir_.path());
  core::write_file_atomic(seed, "{\"objects\":[{\"key\":\"/x\"}]}", 0600);
  EXPECT_THROW(seed_etcd(seed, url_), std::invalid_argument);
  EXPECT_TRUE(fs::exists(seed));
  EXPECT_TRUE(store::open_store(etcd_->spec())->range("/").kvs.empty());
  core::write_file_atomic(seed, stored_objects_json({{"/registry/a", "v"}}), 0600);
  etcd_->kill_member(0);
  EXPECT_THROW(seed_etcd(seed, url_, std::chrono::milliseconds(300)), store::StoreError);
  EXPECT_TRUE(fs::exists(seed));
}

}  // namespace
}  // namespace kmslab::aks
