// The ARM-only control planes (--aks-control-planes=none) and the re-apply at start.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "emulator/aks/arm_only_control_planes.hpp"
#include "emulator/core/base64url.hpp"
#include "tests/unit/aks/aks_world.hpp"

namespace kmslab::testing {
namespace {

// Polls `done` until true, at most 10 s (no sleeps standing in for state).
template <class F>
bool eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(ArmOnlyControlPlanes, ReportsFromItsOwnThreadAndServesNoApi) {
  aks::ArmOnlyControlPlanes planes;
  std::atomic<int> phase{-1};
  std::atomic<bool> other_thread{false};
  const auto caller = std::this_thread::get_id();
  aks::ControlPlaneSpec spec;
  spec.cluster_id = "/c1";
  planes.apply(spec, [&](const aks::ControlPlaneState& s) {
    other_thread = std::this_thread::get_id() != caller;
    phase = static_cast<int>(s.phase);
  });
  ASSERT_TRUE(eventually([&] { return phase >= 0; }));
  EXPECT_TRUE(other_thread);
  EXPECT_EQ(phase, static_cast<int>(aks::ControlPlaneState::Phase::kRunning));
  EXPECT_TRUE(planes.state("/c1")->apiserver_url.empty());
  spec.running = false;
  phase = -1;
  planes.apply(spec, [&](const aks::ControlPlaneState& s) { phase = static_cast<int>(s.phase); });
  ASSERT_TRUE(eventually([&] { return phase >= 0; }));
  EXPECT_EQ(phase, static_cast<int>(aks::ControlPlaneState::Phase::kStopped));
  planes.remove("/c1");
  EXPECT_FALSE(planes.state("/c1"));
  EXPECT_FALSE(planes.provider_in_use("/c1", "azurekmsprovider"));
}

TEST(ArmOnlyControlPlanes, ClustersOperationsSucceedWithoutProcesses) {
  ArmWorld w;  // no control planes given: the service's own ARM-only ones
  const std::string sub = std::string("/subscriptions/") + kArmSubscription;
  const std::string c =
      sub + "/resourceGroups/kmslab/providers/Microsoft.ContainerService/managedClusters/c1";
  auto r = w.send(core::http::verb::put, c + "?api-version=2022-11-01",
                  R"({"location":"eastus","properties":{"agentPoolProfiles":[)"
                  R"({"name":"np1","count":1,"mode":"System"}]}})");
  ASSERT_EQ(r.result_int(), 201) << r.body();
  ASSERT_TRUE(eventually([&] {
    auto g = w.send(core::http::verb::get, c + "?api-version=2022-11-01");
    return json::parse(g.body())["properties"]["provisioningState"] == "Succeeded";
  }));
  auto creds =
      w.send(core::http::verb::post, c + "/listClusterUserCredential?api-version=2022-11-01");
  auto list = json::parse(creds.body())["kubeconfigs"];
  ASSERT_EQ(list.size(), 1u);  // no loopback form: nothing serves
  auto text = *core::base64_decode(list[0]["value"].get<std::string>());
  EXPECT_NE(text.find("no Kubernetes API"), std::string::npos);
}

TEST(ResumeClusters, EveryStoredClusterIsAppliedAgainWithItsSubnet) {
  AksWorld a;
  auto b = a.body(AksWorld::kms(a.key_id));
  b["properties"]["apiServerAccessProfile"] = {{"enableVnetIntegration", true}};
  a.put_done(b, AksWorld::kNew);
  auto r = a.put(a.body(AksWorld::kms(a.key_id)));  // interrupted by the "restart"
  ASSERT_EQ(r.result_int(), 200);
  a.subnets.load_json(json::array());  // the restart forgot the registration
  const size_t before = a.planes.specs.size();
  a.w.arm->resume_clusters();
  ASSERT_EQ(a.planes.specs.size(), before + 1);
  EXPECT_EQ(a.planes.specs.back().kms.size(), 1u);
  EXPECT_TRUE(a.subnets.subnet_of("127.64.0.1").has_value());
  a.planes.complete();
  EXPECT_EQ(a.poll(r)["status"], "Succeeded");
}

}  // namespace
}  // namespace kmslab::testing
