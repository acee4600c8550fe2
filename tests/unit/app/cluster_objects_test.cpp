// An incident bundle's cluster objects for a replay on etcd (emulator/app/incident/
// cluster_objects.hpp): the manifest's store, stored-objects.json checked with the bundle, the
// replay's --aks-cluster-store matched to the bundle's, and the seed left for the supervisor.
#include "emulator/app/incident/cluster_objects.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>

#include "emulator/aks/supervisor/cluster_files.hpp"
#include "emulator/core/files.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::app::incident {
namespace {

namespace fs = std::filesystem;

const std::string kId =
    "/subscriptions/S/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/Demo";

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

class ClusterObjectsTest : public ::testing::Test {
 protected:
  void bundle(const std::string& store, const std::string& objects) {
    std::ofstream(dir_.file("manifest.json"))
        << R"({"format":"kmslab-incident","version":1,"cluster":")" + kId + R"(","clusterStore":)" +
               store + "}";
    if (!objects.empty()) std::ofstream(dir_.file("stored-objects.json")) << objects;
  }
  testing::TempDir dir_;
  testing::TempDir data_;
};

TEST_F(ClusterObjectsTest, AnEtcdBundleGivesItsObjectsAndTheLowerCaseId) {
  bundle("\"etcd\"", R"({"objects":[{"key":"/registry/secrets/a/b","valueBase64":"eHl6"}]})");
  const auto c = read_cluster_objects(dir_.path());
  EXPECT_EQ(c.store, "etcd");
  EXPECT_EQ(c.cluster_id,
            "/subscriptions/s/resourcegroups/rg/providers/"
            "microsoft.containerservice/managedclusters/demo");
  ASSERT_TRUE(c.objects);
  EXPECT_EQ(*c.objects, (std::vector<aks::StoredObject>{{"/registry/secrets/a/b", "xyz"}}));

  const fs::path seed = write_etcd_seed(c, data_.path());
  EXPECT_EQ(seed, fs::path(data_.path()) / "clusters" / aks::cluster_dir_name(c.cluster_id) /
                      "etcd-seed.json");
  EXPECT_EQ(aks::parse_stored_objects(core::read_file(seed)), *c.objects);
  struct stat st {};
  ASSERT_EQ(::stat(seed.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // A cluster whose etcd already has data is not seeded over.
  fs::create_directories(seed.parent_path() / "etcd" / "data");
  EXPECT_NE(message_of([&] { write_etcd_seed(c, data_.path()); }).find("already has an etcd"),
            std::string::npos);
}

TEST_F(ClusterObjectsTest, OtherBundlesGiveNoSeed) {
  bundle("\"embedded\"", "");
  auto c = read_cluster_objects(dir_.path());
  EXPECT_EQ(c.store, "embedded");
  EXPECT_TRUE(write_etcd_seed(c, data_.path()).empty());
  bundle("null", "");
  EXPECT_EQ(read_cluster_objects(dir_.path()).store, "");
  bundle("\"etcd\"", "");  // no stored-objects.json: nothing to seed, said at start
  c = read_cluster_objects(dir_.path());
  EXPECT_FALSE(c.objects);
  EXPECT_TRUE(write_etcd_seed(c, data_.path()).empty());
  EXPECT_FALSE(fs::exists(fs::path(data_.path()) / "clusters"));
  EXPECT_EQ(read_cluster_objects(dir_.file("manifest.json")).store, "");  // a bare state file
}

TEST_F(ClusterObjectsTest, MalformedManifestsAndObjectsNameTheirFile) {
  bundle("\"sqlite\"", "");
  EXPECT_NE(message_of([&] {
              read_cluster_objects(dir_.path());
            }).find("manifest.json: \"clusterStore\" must be"),
            std::string::npos);
  bundle("\"etcd\"", R"({"objects":[{"key":"/x","valueBase64":""}]})");
  const std::string m = message_of([&] { read_cluster_objects(dir_.path()); });
  EXPECT_NE(m.find("stored-objects.json: objects[0]: key '/x' is not under /registry/"),
            std::string::npos)
      << m;
}

TEST_F(ClusterObjectsTest, TheReplayRunsOnTheBundlesStore) {
  ClusterObjects etcd{"id", "etcd", std::vector<aks::StoredObject>{}};
  ClusterObjects embedded{"id", "embedded", std::nullopt};
  EXPECT_NO_THROW(check_replay_store(etcd, "processes", "etcd"));
  EXPECT_NO_THROW(check_replay_store(embedded, "processes", "embedded"));
  EXPECT_NO_THROW(check_replay_store(etcd, "none", "embedded"));  // no processes, no store
  EXPECT_NO_THROW(check_replay_store(ClusterObjects{}, "processes", "etcd"));
  EXPECT_NE(message_of([&] {
              check_replay_store(etcd, "processes", "embedded");
            }).find("replay it with --aks-cluster-store=etcd"),
            std::string::npos);
  EXPECT_NE(message_of([&] {
              check_replay_store(embedded, "processes", "etcd");
            }).find("replay it with --aks-cluster-store=embedded"),
            std::string::npos);
}

}  // namespace
}  // namespace kmslab::app::incident
