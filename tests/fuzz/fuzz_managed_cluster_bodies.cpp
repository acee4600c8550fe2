// Request bodies -> the AKS resource provider's parsers and checks (managedCluster PUT at the
// api-version az 2.45 sends and at one with VNet integration, agentPools PUT, the node resource
// group's scale-set PATCH), through the dispatcher with a valid token, over fake control planes
// that complete every operation after each input; the admin restart route's body parser too, and
// stop/start of the base cluster. The first byte picks the route. Every body
// must get an answer below 500: a 500 is an exception a handler let through.
#include <cstdint>
#include <string>

#include "emulator/arm/cluster_restart.hpp"
#include "tests/support/arm_world.hpp"
#include "tests/support/fake_control_planes.hpp"

namespace {

using kmslab::core::http::verb;

const std::string kSub = std::string("/subscriptions/") + kmslab::testing::kArmSubscription;
const std::string kCluster =
    kSub + "/resourceGroups/kmslab/providers/Microsoft.ContainerService/managedClusters/";

struct World {
  kmslab::testing::FakeControlPlanes planes;
  kmslab::testing::ArmWorld arm{[this](kmslab::arm::ArmOptions& o) { o.control_planes = &planes; }};
  std::string scale_set;

  World() {
    arm.send(verb::put, kCluster + "base?api-version=2022-11-01",
             R"({"location":"eastus","properties":{"agentPoolProfiles":[{"name":"np1","count":1,)"
             R"("mode":"System"}]}})");
    planes.complete();
    auto list = arm.send(verb::get, kSub +
                                        "/resourceGroups/MC_kmslab_base_eastus/providers/"
                                        "Microsoft.Compute/virtualMachineScaleSets"
                                        "?api-version=2022-11-01");
    auto j = nlohmann::json::parse(list.body(), nullptr, false);
    if (j.is_object() && j.contains("value") && !j["value"].empty()) {
      scale_set = j["value"][0].value("id", "");
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  if (size == 0) return 0;
  const std::pair<verb, std::string> routes[] = {
      {verb::put, kCluster + "fz?api-version=2022-11-01"},
      {verb::put, kCluster + "fz?api-version=2025-07-01"},
      {verb::put, kCluster + "base?api-version=2022-11-01"},
      {verb::put, kCluster + "base/agentPools/np2?api-version=2022-11-01"},
      {verb::patch, world.scale_set + "?api-version=2022-11-01"},
      {verb::post, kCluster + "base/stop?api-version=2022-11-01"},
      {verb::post, kCluster + "base/start?api-version=2022-11-01"},
      {verb::post, ""},  // the restart route's body (admin API: parsed directly)
  };
  const auto& [method, target] = routes[data[0] % std::size(routes)];
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  if (target.empty()) {
    (void)kmslab::arm::parse_restart_request(body);  // must answer, never throw
    return 0;
  }
  const auto response = world.arm.send(method, target, body);
  world.planes.complete();
  if (response.result_int() < 100 || response.result_int() >= 500) __builtin_trap();
  return 0;
}
