// Request bodies -> the ARM handlers that parse them (vaults, access policies, identities, role
// assignments, private endpoints and connections, resource groups, checkNameAvailability,
// Graph getByIds), through the dispatcher with a valid token. The first byte picks the route.
// Every body must get an answer below 500: a 500 is an exception a handler let through.
#include <cstdint>
#include <string>

#include "tests/support/arm_world.hpp"

namespace {

using kmslab::core::http::verb;

const std::string kSub = std::string("/subscriptions/") + kmslab::testing::kArmSubscription;
const std::string kGroup = kSub + "/resourceGroups/kmslab";
const std::string kVault = kGroup + "/providers/Microsoft.KeyVault/vaults/fuzzkv";

const std::pair<verb, std::string> kRoutes[] = {
    {verb::put, kVault + "?api-version=2022-07-01"},
    {verb::patch, kVault + "?api-version=2022-07-01"},
    {verb::put, kVault + "/accessPolicies/add?api-version=2022-07-01"},
    {verb::put, kVault + "/accessPolicies/remove?api-version=2022-07-01"},
    {verb::put, kVault + "/privateEndpointConnections/c1?api-version=2022-07-01"},
    {verb::post,
     kSub + "/providers/Microsoft.KeyVault/checkNameAvailability?api-version=2022-07-01"},
    {verb::put, kGroup + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
                         "?api-version=2022-01-31-preview"},
    {verb::put, kVault + "/providers/Microsoft.Authorization/roleAssignments/"
                         "aaaaaaaa-1111-4111-8111-111111111111?api-version=2020-04-01-preview"},
    {verb::put, kGroup + "/providers/Microsoft.Network/privateEndpoints/pe1"
                         "?api-version=2022-01-01"},
    {verb::put, kSub + "/resourceGroups/rg2?api-version=2021-04-01"},
    {verb::post, "/v1.0/directoryObjects/getByIds"},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static kmslab::testing::ArmWorld world;
  if (size == 0) return 0;
  const auto& [method, target] = kRoutes[data[0] % std::size(kRoutes)];
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto response = world.send(method, target, body);
  if (response.result_int() < 100 || response.result_int() >= 500) __builtin_trap();
  return 0;
}
