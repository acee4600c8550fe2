// managedClusters/{name}/agentPools (AgentPools in the 2022-11-01 spec): list, GET, PUT, DELETE.
// A pool change is a cluster update (the same validation, lifecycle and operation); a system
// pool keeps at least one node and a cluster its last system pool.
#include "emulator/aks/errors.hpp"
#include "emulator/arm/call.hpp"
#include "emulator/arm/errors.hpp"
#include "emulator/arm/managed_cluster_json.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;
using nlohmann::json;

namespace {

// The index of pool `name` in the cluster's profiles, or -1.
int pool_index(const json& props, const std::string& name) {
  const json& pools = props.contains("agentPoolProfiles") ? props["agentPoolProfiles"] : json();
  for (size_t i = 0; pools.is_array() && i < pools.size(); ++i) {
    if (core::to_lower(pools[i].value("name", "")) == core::to_lower(name)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace

Result<Reply> ArmService::list_pools(Call& call) {
  if (auto e = check_group(call)) return *e;
  auto c = find_cluster(call.param("rg"), call.param("name"));
  if (!c) return aks::errors::cluster_not_found(call.param("name"), call.param("rg"));
  OrderedJson value = OrderedJson::array();
  for (const auto& p : c->properties.value("agentPoolProfiles", json::array())) {
    value.push_back(
        agent_pool_json({*c, directory_, options_.subscription_id, options_.tenant_id}, p));
  }
  return Reply::ordered(OrderedJson{{"value", value}});
}

Result<Reply> ArmService::get_pool(Call& call) {
  if (auto e = check_group(call)) return *e;
  auto c = find_cluster(call.param("rg"), call.param("name"));
  if (!c) return aks::errors::cluster_not_found(call.param("name"), call.param("rg"));
  const int i = pool_index(c->properties, call.param("pool"));
  if (i < 0) return aks::errors::agent_pool_not_found(call.param("pool"));
  return Reply::ordered(
      agent_pool_json({*c, directory_, options_.subscription_id, options_.tenant_id},
                      c->properties["agentPoolProfiles"][i]));
}

Result<Reply> ArmService::put_pool(Call& call) {
  auto props = call.body_properties();
  if (!props) return props.error();
  json pool = *props;
  pool["name"] = call.param("pool");
  auto parsed = parse_agent_pool(pool, "properties");
  if (!parsed) return parsed.error();
  bool created = false;
  auto accepted =
      accept_cluster(call, [&](const aks::ManagedCluster* old) -> Result<aks::ManagedCluster> {
        if (!old) return aks::errors::cluster_not_found(call.param("name"), call.param("rg"));
        aks::ManagedCluster next = *old;
        const int i = pool_index(next.properties, call.param("pool"));
        created = i < 0;
        if (created) {
          next.properties["agentPoolProfiles"].push_back(*parsed);
        } else {
          next.properties["agentPoolProfiles"][i] = *parsed;
        }
        return next;
      });
  if (!accepted) return accepted.error();
  const int i = pool_index(accepted->properties, call.param("pool"));
  Reply r = Reply::ordered(
      agent_pool_json({*accepted, directory_, options_.subscription_id, options_.tenant_id},
                      accepted->properties["agentPoolProfiles"][i]),
      created ? 201 : 200);
  return with_operation_headers(call, std::move(r), *accepted);
}

Result<Reply> ArmService::delete_pool(Call& call) {
  bool missing = false;
  auto accepted =
      accept_cluster(call, [&](const aks::ManagedCluster* old) -> Result<aks::ManagedCluster> {
        if (!old) return aks::errors::cluster_not_found(call.param("name"), call.param("rg"));
        aks::ManagedCluster next = *old;
        const int i = pool_index(next.properties, call.param("pool"));
        if (i < 0) {
          missing = true;
          return aks::errors::agent_pool_not_found(call.param("pool"));
        }
        auto& pools = next.properties["agentPoolProfiles"];
        const bool system = pools[i].value("mode", "User") == "System";
        pools.erase(pools.begin() + i);
        bool other_system = false;
        for (const auto& p : pools) other_system |= p.value("mode", "User") == "System";
        if (system && !other_system) return aks::errors::last_system_pool(call.param("pool"));
        return next;
      });
  if (!accepted) {
    if (missing) return Reply::empty(204);
    return accepted.error();
  }
  return with_operation_headers(call, Reply::empty(202), *accepted);
}

}  // namespace kmslab::arm
