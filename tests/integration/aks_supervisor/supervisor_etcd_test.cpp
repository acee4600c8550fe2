// --aks-cluster-store=etcd (issue #13 item 6): a cluster runs its own etcd member beside its
// plugin and apiserver, the apiserver stores there (etcdctl shows the KMS v2 envelope), the member
// stops and starts with the cluster on the same endpoint and data, and a killed member is
// restarted.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "emulator/aks/supervisor/etcd_seed.hpp"
#include "emulator/core/files.hpp"
#include "tests/integration/aks_supervisor/world.hpp"
#include "tests/support/etcd_cluster.hpp"

namespace kmslab::test {
namespace {

namespace fs = std::filesystem;
using Phase = aks::ControlPlaneState::Phase;
using namespace std::chrono_literals;

core::client::Response kube(const aks::ControlPlaneState& st, const std::string& method,
                            const std::string& path, const std::string& body = "") {
  core::VirtualClock clock(core::VirtualClock::Mode::kSystem);
  auto rng = core::make_rng(0);
  core::client::ClientOptions o;
  o.ca_pem = st.ca_pem;
  o.retry.max_attempts = 1;
  core::client::HttpClient client(o, clock, *rng);
  core::client::Request r;
  r.method = method;
  r.url = st.apiserver_url + path;
  r.body = body;
  if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Authorization", "Bearer " + st.token);
  return client.send(r);
}

// etcdctl's view of a key: what a user pointing etcdctl at the cluster's endpoint sees.
std::string etcdctl_get(const fs::path& scratch, const std::string& endpoint,
                        const std::string& key) {
  const fs::path out = scratch / "etcdctl.out";
  const int ws =
      run("/usr/bin/env", {"etcdctl", "--endpoints", endpoint, "get", key, "--print-value-only"},
          {"ETCDCTL_API=3", "PATH=/usr/bin:/bin"}, out);
  EXPECT_TRUE(WIFEXITED(ws) && WEXITSTATUS(ws) == 0) << core::read_file(out);
  return core::read_file(out);
}

pid_t etcd_pid(World& world, const std::string& cluster_id) {
  for (pid_t p : world.supervisor().pids(cluster_id))
    if (cmdline(p).rfind("/usr/bin/etcd", 0) == 0 || cmdline(p).rfind("etcd", 0) == 0) return p;
  return 0;
}

TEST(SupervisorEtcd, ClusterStoresInItsOwnEtcd) {
  KMSLAB_REQUIRE_ETCD();
  const fs::path root = temp_dir("etcd");
  World world(root / "emu", 30s, "etcd");
  aks::ControlPlaneSpec s = world.spec("etcd1", {world.key(world.create_key("kek"))});
  auto st = world.apply(s);
  ASSERT_EQ(st.phase, Phase::kRunning) << st.message;
  const fs::path dir = world.supervisor().cluster_dir(s.cluster_id);
  std::string endpoint = core::read_file(dir / "etcd-endpoint");
  ASSERT_FALSE(endpoint.empty());
  endpoint.pop_back();  // the newline
  EXPECT_EQ(endpoint.rfind("http://127.0.0.1:", 0), 0u) << endpoint;
  const pid_t first = etcd_pid(world, s.cluster_id);
  ASSERT_GT(first, 0);
  EXPECT_EQ(world.supervisor().pids(s.cluster_id).size(), 3u);  // etcd, plugin, apiserver
  EXPECT_NE(cmdline(first).find((dir / "etcd" / "data").string()), std::string::npos);
  struct stat info {};
  ASSERT_EQ(::stat((dir / "etcd" / "data").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0077, 0u) << "etcd's data is owner-only";

  const auto made = kube(st, "POST", "/api/v1/namespaces/default/secrets",
                         R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s1"},)"
                         R"("data":{"pw":"aHVudGVyMg=="}})");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string stored = etcdctl_get(root, endpoint, "/registry/secrets/default/s1");
  EXPECT_EQ(stored.rfind("k8s:enc:kms:v2:azurekmsprovider:", 0), 0u) << stored.substr(0, 64);
  EXPECT_EQ(stored.find("hunter2"), std::string::npos);

  // Stopped with the cluster (L8's scale to zero), back on the same endpoint with its data.
  s.running = false;
  ASSERT_EQ(world.apply(s).phase, Phase::kStopped);
  EXPECT_TRUE(eventually([&] { return !alive(first); }));
  s.running = true;
  st = world.apply(s);
  ASSERT_EQ(st.phase, Phase::kRunning) << st.message;
  EXPECT_EQ(core::read_file(dir / "etcd-endpoint"), endpoint + "\n");
  EXPECT_EQ(kube(st, "GET", "/api/v1/namespaces/default/secrets/s1").status, 200);

  // A member that dies is started again.
  const pid_t second = etcd_pid(world, s.cluster_id);
  ASSERT_GT(second, 0);
  ASSERT_EQ(::kill(second, SIGKILL), 0);
  EXPECT_TRUE(eventually(
      [&] {
        const pid_t now = etcd_pid(world, s.cluster_id);
        return now > 0 && now != second &&
               etcdctl_get(root, endpoint, "/registry/secrets/default/s1").size() > 0;
      },
      30s));

  world.supervisor().remove(s.cluster_id);
  EXPECT_FALSE(fs::exists(dir));
  world.emulator().stop();
  world.emulator().wait();
  fs::remove_all(root);
}

// An incident replay's objects (etcd_seed.hpp): the apiserver starts only once they are in etcd.
// A seed that cannot go in fails the cluster with the reason and no apiserver; fixed, it goes in
// byte for byte and the cluster serves.
TEST(SupervisorEtcd, TheApiserverServesOnlyOnceTheReplayedObjectsAreIn) {
  KMSLAB_REQUIRE_ETCD();
  const fs::path root = temp_dir("etcdseed");
  World world(root / "emu", 4s, "etcd");
  aks::ControlPlaneSpec s = world.spec("seed1", {world.key(world.create_key("kek"))});
  const fs::path dir = world.supervisor().cluster_dir(s.cluster_id);
  core::ensure_private_directory(dir, "");
  const fs::path seed = aks::etcd_seed_file(dir);
  core::write_file_atomic(seed, "{\"objects\": [", 0600);
  auto st = world.apply(s);
  ASSERT_EQ(st.phase, Phase::kFailed) << st.message;
  EXPECT_NE(st.message.find("seeding it from the incident bundle: " + seed.string() + ": not JSON"),
            std::string::npos)
      << st.message;
  EXPECT_FALSE(fs::exists(dir / "apiserver" / "kubeconfig")) << "the apiserver started";
  EXPECT_TRUE(fs::exists(seed));

  const std::string value = std::string("k8s:enc:kms:v2:azurekmsprovider:\0\xff", 35);
  core::write_file_atomic(
      seed, aks::stored_objects_json({{"/registry/configmaps/default/c", value}}), 0600);
  st = world.apply(s);
  ASSERT_EQ(st.phase, Phase::kRunning) << st.message;
  EXPECT_FALSE(fs::exists(seed));
  std::string endpoint = core::read_file(dir / "etcd-endpoint");
  endpoint.pop_back();
  EXPECT_EQ(etcdctl_get(root, endpoint, "/registry/configmaps/default/c"), value + "\n");
  world.supervisor().remove(s.cluster_id);
  world.emulator().stop();
  world.emulator().wait();
  fs::remove_all(root);
}

TEST(SupervisorEtcd, MissingEtcdIsAClearError) {
  app::Config config;
  config.data_dir = temp_dir("noetcd");
  config.port = 0;
  config.proxy_port = 0;
  config.apiserver_binary = KMSLAB_APISERVER_BINARY;
  config.kms_plugin_binary = KMSLAB_KMS_PLUGIN_BINARY;
  config.aks_cluster_store = "etcd";
  config.etcd_binary = (config.data_dir / "no-such-etcd").string();
  try {
    app::Emulator emulator(config);
    FAIL() << "the emulator started without etcd";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install etcd-server"), std::string::npos)
        << e.what();
  }
  fs::remove_all(config.data_dir);
}

}  // namespace
}  // namespace kmslab::test
