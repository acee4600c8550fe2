// The AKS supervisor against a running emulator: a cluster's plugin and apiserver come up wired as
// AKS wires them, kubectl reaches the cluster on loopback and, by its FQDN, through the CONNECT
// proxy; secrets are stored as KMS v2 envelopes; rotation, disable, a killed plugin, a plugin that
// cannot work, remove and emulator stop behave as issue #12 items 3-4 say.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "emulator/aks/supervisor/cluster_files.hpp"
#include "emulator/core/base64url.hpp"
#include "emulator/core/files.hpp"
#include "tests/integration/aks_supervisor/world.hpp"

namespace kmslab::test {
namespace {

namespace fs = std::filesystem;
using aks::ControlPlaneSpec;
using aks::ControlPlaneState;
using Phase = ControlPlaneState::Phase;
using namespace std::chrono_literals;

constexpr const char* kFqdn = "kms1-5c2b7a9e.hcp.eastus.azmk8s.io";  // World::spec("kms1")

class SupervisorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(temp_dir("lifecycle"));
    world_ = new World(*dir_ / "emu", 30s);
    first_version_ = new std::string(world_->create_key("kek"));
    second_version_ = new std::string(world_->create_key("kek"));
  }
  static void TearDownTestSuite() {
    delete world_;
    fs::remove_all(*dir_);
    delete dir_;
    delete first_version_;
    delete second_version_;
  }

  static aks::KmsKey key(const std::string& version,
                         const std::string& provider = "azurekmsprovider") {
    return world_->key(version, provider);
  }

  static ControlPlaneSpec spec(const std::string& name, std::vector<aks::KmsKey> keys) {
    ControlPlaneSpec s = world_->spec(name, std::move(keys));
    s.pods = {"kube-system/konnectivity-agent-6c8f4"};
    return s;
  }

  static ControlPlaneState apply(const ControlPlaneSpec& s) { return world_->apply(s); }

  // kubectl with a kubeconfig for the cluster: loopback URL, or the FQDN through the proxy.
  static std::string kubectl(const ControlPlaneState& st, bool via_fqdn,
                             std::vector<std::string> args, int* status = nullptr) {
    const fs::path home = *dir_ / "home";
    fs::create_directories(home);
    const nlohmann::json kubeconfig = {
        {"apiVersion", "v1"},
        {"kind", "Config"},
        {"clusters",
         {{{"name", "c"},
           {"cluster",
            {{"server", via_fqdn ? std::string("https://") + kFqdn + ":443" : st.apiserver_url},
             {"certificate-authority-data", core::base64_encode(st.ca_pem)}}}}}},
        {"users", {{{"name", "u"}, {"user", {{"token", st.token}}}}}},
        {"contexts", {{{"name", "c"}, {"context", {{"cluster", "c"}, {"user", "u"}}}}}},
        {"current-context", "c"}};
    const fs::path file = *dir_ / "kubeconfig";
    core::write_file_atomic(file, kubeconfig.dump(), 0600);
    std::vector<std::string> env = {"KUBECONFIG=" + file.string(), "HOME=" + home.string(),
                                    "PATH=/usr/local/bin:/usr/bin:/bin"};
    if (via_fqdn) env.push_back("HTTPS_PROXY=" + world_->emulator().endpoints().proxy_url);
    const fs::path out = *dir_ / "kubectl.out";
    const int ws = run(
        "/usr/bin/env",
        [&] {
          std::vector<std::string> a = {"kubectl"};
          a.insert(a.end(), args.begin(), args.end());
          return a;
        }(),
        env, out);
    if (status)
      *status = ws;
    else
      EXPECT_TRUE(WIFEXITED(ws) && WEXITSTATUS(ws) == 0) << core::read_file(out);
    return core::read_file(out);
  }

  // The stored bytes, straight from the cluster's apiserver (not through the proxy, which would
  // serve 127.0.0.1 itself).
  static std::string raw(const ControlPlaneState& st, const std::string& secret) {
    core::VirtualClock clock(core::VirtualClock::Mode::kSystem);
    auto rng = core::make_rng(0);
    core::client::ClientOptions o;
    o.ca_pem = st.ca_pem;
    core::client::HttpClient client(o, clock, *rng);
    core::client::Request r;
    r.url = st.apiserver_url + "/_kmslab/raw?key=/registry/secrets/default/" + secret;
    r.headers.emplace_back("Authorization", "Bearer " + st.token);
    return client.send(r).body;
  }

  static std::vector<pid_t> processes(const std::string& cluster_id, const std::string& binary) {
    std::vector<pid_t> out;
    for (pid_t p : world_->supervisor().pids(cluster_id))
      if (cmdline(p).find(binary) != std::string::npos) out.push_back(p);
    return out;
  }

  static inline fs::path* dir_ = nullptr;
  static inline World* world_ = nullptr;
  static inline std::string* first_version_ = nullptr;
  static inline std::string* second_version_ = nullptr;
};

// Seed P5 / issue #12 items 3-4: create, kubectl both ways, the envelope, rotation (P7), disable
// (D2), a crashed plugin restarted, remove.
TEST_F(SupervisorTest, ClusterLifecycle) {
  const auto start = std::chrono::steady_clock::now();
  ControlPlaneSpec s = spec("kms1", {key(*first_version_)});
  ControlPlaneState st = apply(s);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(st.phase, Phase::kRunning) << st.message;
  std::printf("apply -> kRunning: %lld ms\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  EXPECT_EQ(st.apiserver_url.rfind("https://127.0.0.1:", 0), 0u);
  EXPECT_NE(st.ca_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  const fs::path dir = world_->supervisor().cluster_dir(s.cluster_id);
  EXPECT_EQ(fs::status(dir).permissions() & fs::perms::all, fs::perms::owner_all);
  const std::string config = core::read_file(dir / "encryption-config.yaml");
  EXPECT_NE(config.find("name: \"azurekmsprovider\""), std::string::npos) << config;
  EXPECT_LT(config.find("kms:"), config.find("identity: {}")) << config;

  kubectl(st, false, {"create", "secret", "generic", "s1", "--from-literal=k=v1"});
  EXPECT_EQ(raw(st, "s1").rfind("k8s:enc:kms:v2:azurekmsprovider:", 0), 0u);
  // I8: the apiserver's census says which providers the stored data needs.
  auto& sup = world_->supervisor();
  EXPECT_EQ(sup.provider_in_use(s.cluster_id, "azurekmsprovider"), std::optional<bool>(true));
  EXPECT_EQ(sup.provider_in_use(s.cluster_id, "azurekmsprovider-2"), std::optional<bool>(false));
  EXPECT_EQ(sup.provider_in_use("/no/such/cluster", "azurekmsprovider"), std::nullopt);
  // By name through the proxy: the apiserver's certificate covers the FQDN (--external-hostname).
  EXPECT_EQ(kubectl(st, true, {"get", "secret", "s1", "-o", "jsonpath={.data.k}"}), "djE=");
  EXPECT_NE(kubectl(st, true, {"get", "pods", "-n", "kube-system"}).find("konnectivity-agent"),
            std::string::npos);

  // A spec the supervisor cannot run is refused and changes nothing.
  const auto running = world_->supervisor().pids(s.cluster_id);
  ControlPlaneSpec bad = s;
  bad.kms[0].provider_name = "../escape";
  const ControlPlaneState refused = apply(bad);
  EXPECT_EQ(refused.phase, Phase::kFailed);
  EXPECT_NE(refused.message.find("'../escape' is not of"), std::string::npos) << refused.message;
  EXPECT_EQ(world_->supervisor().pids(s.cluster_id), running);
  EXPECT_FALSE(fs::exists(dir.parent_path() / "escape.azure.json"));

  // A plugin killed with -9 is restarted, and the cluster serves again.
  const auto plugins = processes(s.cluster_id, "kmslab-kms-plugin");
  ASSERT_EQ(plugins.size(), 1u);
  ::kill(plugins[0], SIGKILL);
  ASSERT_TRUE(eventually([&] {
    const auto now = processes(s.cluster_id, "kmslab-kms-plugin");
    const auto state = world_->supervisor().state(s.cluster_id);
    return now.size() == 1 && now[0] != plugins[0] && state->phase == Phase::kRunning;
  }));
  EXPECT_NE(core::read_file(*dir_ / "emu-emulator.log").find("process exited"), std::string::npos);
  EXPECT_EQ(kubectl(st, false, {"get", "secret", "s1", "-o", "jsonpath={.data.k}"}), "djE=");

  // Rotation: the new version writes, the old one (a second plugin) still reads. KMS v2 picks the
  // provider by the name in the stored prefix and the plugin refuses another key's DEK, so the
  // old key keeps the name its data carries and the new one writes under a new name.
  s.kms = {key(*second_version_, "azurekmsprovider-2"), key(*first_version_)};
  st = apply(s);
  ASSERT_EQ(st.phase, Phase::kRunning) << st.message;
  EXPECT_EQ(processes(s.cluster_id, "kmslab-kms-plugin").size(), 2u);
  kubectl(st, false, {"create", "secret", "generic", "s2", "--from-literal=k=v2"});
  EXPECT_EQ(raw(st, "s2").rfind("k8s:enc:kms:v2:azurekmsprovider-2:", 0), 0u);
  EXPECT_EQ(sup.provider_in_use(s.cluster_id, "azurekmsprovider"), std::optional<bool>(true));
  EXPECT_EQ(sup.provider_in_use(s.cluster_id, "azurekmsprovider-2"), std::optional<bool>(true));
  // Migrated (the replace pipeline rewrites s1 with the write provider): the old one is free.
  const std::string s1 = kubectl(st, false, {"get", "secret", "s1", "-o", "json"});
  core::write_file_atomic(*dir_ / "s1.json", s1, 0600);
  kubectl(st, false, {"replace", "-f", (*dir_ / "s1.json").string()});
  EXPECT_EQ(raw(st, "s1").rfind("k8s:enc:kms:v2:azurekmsprovider-2:", 0), 0u);
  EXPECT_EQ(sup.provider_in_use(s.cluster_id, "azurekmsprovider"), std::optional<bool>(false));
  EXPECT_EQ(kubectl(st, false, {"get", "secret", "s1", "-o", "jsonpath={.data.k}"}), "djE=");

  // Disable: identity writes, the plugins (unchanged, not restarted) still read.
  const auto before = processes(s.cluster_id, "kmslab-kms-plugin");
  const auto apiserver_before = processes(s.cluster_id, "kmslab-apiserver");
  s.identity_first = true;
  st = apply(s);
  ASSERT_EQ(st.phase, Phase::kRunning) << st.message;
  EXPECT_EQ(std::set<pid_t>(before.begin(), before.end()), [&] {
    auto now = processes(s.cluster_id, "kmslab-kms-plugin");
    return std::set<pid_t>(now.begin(), now.end());
  }());
  EXPECT_NE(processes(s.cluster_id, "kmslab-apiserver"), apiserver_before);
  kubectl(st, true, {"create", "secret", "generic", "s3", "--from-literal=k=v3"});
  EXPECT_EQ(raw(st, "s3").rfind("k8s:enc:", 0), std::string::npos);
  EXPECT_EQ(kubectl(st, false, {"get", "secret", "s2", "-o", "jsonpath={.data.k}"}), "djI=");

  // running=false stops every process; remove deletes the directory and the proxy route.
  s.running = false;
  const auto all = world_->supervisor().pids(s.cluster_id);
  EXPECT_EQ(apply(s).phase, Phase::kStopped);
  EXPECT_EQ(sup.provider_in_use(s.cluster_id, "azurekmsprovider-2"), std::nullopt);
  for (pid_t p : all) EXPECT_FALSE(alive(p)) << p;
  int ws = 0;
  kubectl(st, true, {"get", "secret", "s1"}, &ws);
  EXPECT_FALSE(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
  world_->supervisor().remove(s.cluster_id);
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_FALSE(world_->supervisor().state(s.cluster_id));
}

// A plugin whose key does not exist never becomes healthy: kFailed says why, with its log.
TEST(SupervisorFailure, UnhealthyPluginFailsWithItsLog) {
  // Its own emulator, with a start timeout short enough to wait out.
  const fs::path root = temp_dir("broken");
  World world(root / "emu", 3s);
  ControlPlaneSpec s = world.spec("broken", {world.key(std::string(32, '0'))});
  // The done removes its own cluster (from the cluster's thread, which cannot join itself).
  std::promise<ControlPlaneState> done;
  world.supervisor().apply(s, [&](const ControlPlaneState& state) {
    world.supervisor().remove(s.cluster_id);
    done.set_value(state);
  });
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(30s), std::future_status::ready);
  const ControlPlaneState st = future.get();
  const fs::path dir = world.supervisor().cluster_dir(s.cluster_id);
  EXPECT_TRUE(eventually([&] { return !fs::exists(dir); }));
  EXPECT_FALSE(world.supervisor().state(s.cluster_id));
  ASSERT_EQ(st.phase, Phase::kFailed);
  EXPECT_NE(st.message.find("kmslab-kms-plugin azurekmsprovider did not become ready"),
            std::string::npos)
      << st.message;
  EXPECT_NE(st.message.find("/healthz answered"), std::string::npos) << st.message;
  EXPECT_NE(st.message.find("last log lines"), std::string::npos) << st.message;
  world.emulator().stop();
  world.emulator().wait();
  fs::remove_all(root);
}

// Stopping the emulator stops every cluster's processes.
TEST(SupervisorStop, EmulatorStopLeavesNoChild) {
  const fs::path dir = temp_dir("stop");
  std::vector<pid_t> pids;
  {
    World world(dir / "emu", 10s);
    const std::string version = world.create_key("kek");
    ControlPlaneSpec s = world.spec("stop", {world.key(version)});
    ASSERT_EQ(world.apply(s).phase, Phase::kRunning);
    pids = world.supervisor().pids(s.cluster_id);
    ASSERT_EQ(pids.size(), 2u);
    world.emulator().stop();
    world.emulator().wait();
    for (pid_t p : pids) EXPECT_FALSE(alive(p)) << p;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kmslab::test
