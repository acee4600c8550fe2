// Microsoft.Compute/virtualMachineScaleSets of a cluster's node resource group: one per agent
// pool, a view of the pool (schema per python3-azure's compute VirtualMachineScaleSet, trimmed
// to what a scale needs [U]). Changing sku.capacity here changes the pool out of band, as on
// Azure; capacity 0 takes a KMS cluster down for good (L8): its processes stop and every later
// cluster operation fails. Scaling through the AKS API (agent pools) behaves normally.
#include "emulator/aks/errors.hpp"
#include "emulator/aks/names.hpp"
#include "emulator/arm/call.hpp"
#include "emulator/arm/errors.hpp"
#include "emulator/arm/json_fields.hpp"
#include "emulator/arm/vault_json.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;
using nlohmann::json;

namespace {

const char* kVmssType = "Microsoft.Compute/virtualMachineScaleSets";

OrderedJson scale_set_json(const aks::ManagedCluster& c, const json& pool,
                           const std::string& subscription_id) {
  const std::string pool_name = pool.value("name", "");
  const std::string name = aks::scale_set_name(pool_name, c.lower_id());
  return {{"name", name},
          {"id", "/subscriptions/" + subscription_id + "/resourceGroups/" +
                     c.node_resource_group() + "/providers/" + kVmssType + "/" + name},
          {"type", kVmssType},
          {"location", c.location},
          {"tags",
           {{"aks-managed-orchestrator", "Kubernetes:" + c.current_kubernetes_version},
            {"aks-managed-poolName", pool_name},
            {"aks-managed-resourceNameSuffix", c.fqdn_hash}}},
          {"sku",
           {{"name", pool.value("vmSize", "Standard_DS2_v2")},
            {"tier", "Standard"},
            {"capacity", pool.value("count", 0)}}},
          {"properties",
           {{"singlePlacementGroup", false},
            {"orchestrationMode", "Uniform"},
            {"upgradePolicy", {{"mode", "Manual"}}},
            {"virtualMachineProfile",
             {{"osProfile", {{"computerNamePrefix", name}, {"adminUsername", "azureuser"}}}}},
            {"provisioningState", "Succeeded"},
            {"overprovision", false},
            {"uniqueId", c.kubelet_object_id}}}};
}

}  // namespace

Result<Reply> ArmService::list_scale_sets(Call& call) {
  if (auto e = check_group(call)) return *e;
  OrderedJson value = OrderedJson::array();
  for (const auto& c : all_clusters()) {
    if (core::to_lower(c.node_resource_group()) != core::to_lower(call.param("rg"))) continue;
    for (const auto& p : c.properties.value("agentPoolProfiles", json::array())) {
      value.push_back(scale_set_json(c, p, options_.subscription_id));
    }
  }
  return Reply::ordered(OrderedJson{{"value", value}});
}

Result<Reply> ArmService::get_scale_set(Call& call) {
  if (auto e = check_group(call)) return *e;
  for (const auto& c : all_clusters()) {
    if (core::to_lower(c.node_resource_group()) != core::to_lower(call.param("rg"))) continue;
    for (const auto& p : c.properties.value("agentPoolProfiles", json::array())) {
      if (core::to_lower(aks::scale_set_name(p.value("name", ""), c.lower_id())) ==
          core::to_lower(call.param("name"))) {
        return Reply::ordered(scale_set_json(c, p, options_.subscription_id));
      }
    }
  }
  return errors::resource_not_found(kVmssType, call.param("name"), call.param("rg"));
}

// PUT (az vmss scale: GET, sku.capacity changed, PUT) and PATCH {"sku":{"capacity":N}}.
Result<Reply> ArmService::put_scale_set(Call& call) {
  auto body = call.body();
  if (!body) return body.error();
  FieldReader r(*body, "");
  const json* sku = r.object("sku");
  if (r.error()) return *r.error();
  FieldReader sr(sku, "sku");
  auto capacity = sr.integer("capacity");
  if (sr.error()) return *sr.error();
  if (capacity && (*capacity < 0 || *capacity > 1000)) {
    return errors::bad_request("The value " + std::to_string(*capacity) +
                               " of property 'sku.capacity' is invalid.");
  }
  std::optional<aks::ManagedCluster> stopped;
  OrderedJson out;
  {
    std::lock_guard l(write_mu_);
    if (auto e = check_group(call)) return *e;
    for (auto& c : all_clusters()) {
      if (core::to_lower(c.node_resource_group()) != core::to_lower(call.param("rg"))) continue;
      auto& pools = c.properties["agentPoolProfiles"];
      for (auto& p : pools) {
        if (core::to_lower(aks::scale_set_name(p.value("name", ""), c.lower_id())) !=
            core::to_lower(call.param("name"))) {
          continue;
        }
        if (capacity) p["count"] = *capacity;
        // L8: the nodes are deallocated; a KMS cluster does not come back.
        if (capacity && *capacity == 0 && !c.keys.empty() && !c.broken) {
          c.broken = true;
          c.broken_reason =
              "the nodes of agent pool '" + p.value("name", "") +
              "' were scaled to zero through the Virtual Machine Scale Sets API, not the AKS "
              "API; a cluster with Azure Key Vault KMS does not survive it";
          stopped = c;
        }
        save_cluster(c);
        out = scale_set_json(c, p, options_.subscription_id);
        break;
      }
      if (!out.is_null()) break;
    }
  }
  if (out.is_null())
    return errors::resource_not_found(kVmssType, call.param("name"), call.param("rg"));
  if (stopped) apply_cluster(*stopped);
  return Reply::ordered(out);
}

}  // namespace kmslab::arm
