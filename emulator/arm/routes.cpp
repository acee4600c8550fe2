// Every ARM and Graph route kmslab serves, in one table.
#include "emulator/arm/call.hpp"

namespace kmslab::arm {

namespace {

const std::string kSub = "/subscriptions/{sub}";
const std::string kGroup = kSub + "/resourceGroups/{rg}";
const std::string kKv = kSub + "/providers/Microsoft.KeyVault";
const std::string kVault = kGroup + "/providers/Microsoft.KeyVault/vaults/{name}";
const std::string kMsi = "/providers/Microsoft.ManagedIdentity/userAssignedIdentities";
const std::string kAuthz = "/providers/Microsoft.Authorization";

// Role assignments and definitions live under any scope: "", /subscriptions/{s},
// .../resourceGroups/{g}, a resource, a child resource (a vault's key) ...
std::vector<std::string> scoped(const std::string& tail) {
  std::vector<std::string> out;
  std::string prefix;
  for (int depth = 0; depth <= 12; ++depth) {
    out.push_back(prefix + tail);
    prefix += "/{s" + std::to_string(depth) + "}";
  }
  return out;
}

}  // namespace

void ArmService::register_routes(core::Router& router) {
  using core::http::verb;
  const auto group = router.add_group("arm", options_.hosts);
  router.add_decorator(
      group, [this](const core::RequestContext& ctx, core::Reply& reply) { decorate(ctx, reply); });
  auto add = [&](verb v, const std::string& path, const char* name, Api api, Method m) {
    router.add(group, v, path, std::string("arm.") + name, bind(api, m));
  };
  // Cloud discovery, subscriptions, tenants, providers, resource groups.
  add(verb::get, "/metadata/endpoints", "metadata", Api::kMetadata,
      &ArmService::metadata_endpoints);
  add(verb::get, "/subscriptions", "subscriptions", Api::kSubscriptions,
      &ArmService::list_subscriptions);
  add(verb::get, kSub, "subscription", Api::kSubscriptions, &ArmService::get_subscription);
  add(verb::get, "/tenants", "tenants", Api::kSubscriptions, &ArmService::list_tenants);
  add(verb::get, kSub + "/providers", "providers", Api::kResources, &ArmService::list_providers);
  add(verb::get, kSub + "/providers/{ns}", "provider", Api::kResources, &ArmService::get_provider);
  add(verb::post, kSub + "/providers/{ns}/register", "provider.register", Api::kResources,
      &ArmService::register_provider);
  add(verb::get, kSub + "/resourcegroups", "groups", Api::kResources, &ArmService::list_groups);
  add(verb::get, kGroup, "group", Api::kResources, &ArmService::get_group);
  add(verb::head, kGroup, "group.head", Api::kResources, &ArmService::head_group);
  add(verb::put, kGroup, "group.put", Api::kResources, &ArmService::put_group);
  add(verb::delete_, kGroup, "group.delete", Api::kResources, &ArmService::delete_group);
  add(verb::get, kSub + "/resources", "resources", Api::kResources, &ArmService::list_resources);
  add(verb::get, kSub + "/operationresults/{op}", "operation", Api::kResources,
      &ArmService::operation_result);

  // Microsoft.KeyVault.
  add(verb::put, kVault, "vault.put", Api::kKeyVault, &ArmService::put_vault);
  add(verb::patch, kVault, "vault.patch", Api::kKeyVault, &ArmService::patch_vault);
  add(verb::get, kVault, "vault.get", Api::kKeyVault, &ArmService::get_vault);
  add(verb::delete_, kVault, "vault.delete", Api::kKeyVault, &ArmService::delete_vault);
  add(verb::get, kGroup + "/providers/Microsoft.KeyVault/vaults", "vault.list_group",
      Api::kKeyVault, &ArmService::list_vaults_in_group);
  add(verb::get, kKv + "/vaults", "vault.list", Api::kKeyVault, &ArmService::list_vaults);
  add(verb::put, kVault + "/accessPolicies/{kind}", "vault.access_policy", Api::kKeyVault,
      &ArmService::update_access_policy);
  add(verb::post, kKv + "/checkNameAvailability", "vault.check_name", Api::kKeyVault,
      &ArmService::check_name_availability);
  add(verb::get, kKv + "/deletedVaults", "deleted_vault.list", Api::kKeyVault,
      &ArmService::list_deleted_vaults);
  add(verb::get, kKv + "/locations/{loc}/deletedVaults/{name}", "deleted_vault.get", Api::kKeyVault,
      &ArmService::get_deleted_vault);
  add(verb::post, kKv + "/locations/{loc}/deletedVaults/{name}/purge", "deleted_vault.purge",
      Api::kKeyVault, &ArmService::purge_deleted_vault);
  add(verb::get, kKv + "/locations/{loc}/operationResults/{op}", "vault.operation", Api::kKeyVault,
      &ArmService::operation_result);
  // Managed HSMs are not emulated: their lists are empty (az keyvault list/list-deleted ask).
  add(verb::get, kKv + "/managedHSMs", "hsm.list", Api::kKeyVault, &ArmService::empty_list);
  add(verb::get, kGroup + "/providers/Microsoft.KeyVault/managedHSMs", "hsm.list_group",
      Api::kKeyVault, &ArmService::empty_list);
  add(verb::get, kKv + "/deletedManagedHSMs", "hsm.list_deleted", Api::kKeyVault,
      &ArmService::empty_list);
  add(verb::get, kVault + "/privateEndpointConnections", "vault.pec.list", Api::kKeyVault,
      &ArmService::list_connections);
  add(verb::get, kVault + "/privateEndpointConnections/{pec}", "vault.pec.get", Api::kKeyVault,
      &ArmService::get_connection);
  add(verb::put, kVault + "/privateEndpointConnections/{pec}", "vault.pec.put", Api::kKeyVault,
      &ArmService::put_connection);
  add(verb::delete_, kVault + "/privateEndpointConnections/{pec}", "vault.pec.delete",
      Api::kKeyVault, &ArmService::delete_connection);
  add(verb::get, kVault + "/privateLinkResources", "vault.plr", Api::kKeyVault,
      &ArmService::list_private_link_resources);

  // Microsoft.Network/privateEndpoints.
  const std::string pe = kGroup + "/providers/Microsoft.Network/privateEndpoints/{name}";
  add(verb::put, pe, "pe.put", Api::kNetwork, &ArmService::put_private_endpoint);
  add(verb::get, pe, "pe.get", Api::kNetwork, &ArmService::get_private_endpoint);
  add(verb::delete_, pe, "pe.delete", Api::kNetwork, &ArmService::delete_private_endpoint);

  // Microsoft.ContainerService (the AKS resource provider).
  const std::string cs = "/providers/Microsoft.ContainerService";
  const std::string mc = kGroup + cs + "/managedClusters/{name}";
  const Api aks = Api::kContainerService;
  add(verb::put, mc, "aks.put", aks, &ArmService::put_cluster);
  add(verb::get, mc, "aks.get", aks, &ArmService::get_cluster);
  add(verb::delete_, mc, "aks.delete", aks, &ArmService::delete_cluster);
  add(verb::get, kGroup + cs + "/managedClusters", "aks.list_group", aks,
      &ArmService::list_clusters_in_group);
  add(verb::get, kSub + cs + "/managedClusters", "aks.list", aks, &ArmService::list_clusters);
  add(verb::post, mc + "/listClusterUserCredential", "aks.user_credential", aks,
      &ArmService::list_user_credential);
  add(verb::post, mc + "/listClusterAdminCredential", "aks.admin_credential", aks,
      &ArmService::list_admin_credential);
  add(verb::get, mc + "/detectors", "aks.detector.list", Api::kDetectors,
      &ArmService::list_detectors);
  add(verb::get, mc + "/detectors/{detector}", "aks.detector.get", Api::kDetectors,
      &ArmService::get_detector);
  add(verb::post, mc + "/stop", "aks.stop", aks, &ArmService::stop_cluster);
  add(verb::post, mc + "/start", "aks.start", aks, &ArmService::start_cluster);
  add(verb::get, mc + "/agentPools", "aks.pool.list", aks, &ArmService::list_pools);
  add(verb::get, mc + "/agentPools/{pool}", "aks.pool.get", aks, &ArmService::get_pool);
  add(verb::put, mc + "/agentPools/{pool}", "aks.pool.put", aks, &ArmService::put_pool);
  add(verb::delete_, mc + "/agentPools/{pool}", "aks.pool.delete", aks, &ArmService::delete_pool);
  add(verb::get, kSub + cs + "/locations/{loc}/operations/{op}", "aks.operation", aks,
      &ArmService::cluster_operation);
  add(verb::get, kSub + cs + "/locations/{loc}/operationresults/{op}", "aks.operation_result", aks,
      &ArmService::cluster_operation_result);

  // Microsoft.Compute/virtualMachineScaleSets (a node resource group's, L8).
  const std::string vmss = kGroup + "/providers/Microsoft.Compute/virtualMachineScaleSets";
  add(verb::get, vmss, "vmss.list", Api::kCompute, &ArmService::list_scale_sets);
  add(verb::get, vmss + "/{name}", "vmss.get", Api::kCompute, &ArmService::get_scale_set);
  add(verb::put, vmss + "/{name}", "vmss.put", Api::kCompute, &ArmService::put_scale_set);
  add(verb::patch, vmss + "/{name}", "vmss.patch", Api::kCompute, &ArmService::put_scale_set);

  // Microsoft.ManagedIdentity.
  add(verb::put, kGroup + kMsi + "/{name}", "identity.put", Api::kManagedIdentity,
      &ArmService::put_identity);
  add(verb::patch, kGroup + kMsi + "/{name}", "identity.patch", Api::kManagedIdentity,
      &ArmService::put_identity);
  add(verb::get, kGroup + kMsi + "/{name}", "identity.get", Api::kManagedIdentity,
      &ArmService::get_identity);
  add(verb::delete_, kGroup + kMsi + "/{name}", "identity.delete", Api::kManagedIdentity,
      &ArmService::delete_identity);
  add(verb::get, kGroup + kMsi, "identity.list_group", Api::kManagedIdentity,
      &ArmService::list_identities_in_group);
  add(verb::get, kSub + kMsi, "identity.list", Api::kManagedIdentity, &ArmService::list_identities);

  // Microsoft.Authorization at any scope.
  for (const auto& p : scoped(kAuthz + "/roleAssignments/{name}")) {
    add(verb::put, p, "role_assignment.put", Api::kRoleAssignments,
        &ArmService::put_role_assignment);
    add(verb::get, p, "role_assignment.get", Api::kRoleAssignments,
        &ArmService::get_role_assignment);
    add(verb::delete_, p, "role_assignment.delete", Api::kRoleAssignments,
        &ArmService::delete_role_assignment);
  }
  for (const auto& p : scoped(kAuthz + "/roleAssignments")) {
    add(verb::get, p, "role_assignment.list", Api::kRoleAssignments,
        &ArmService::list_role_assignments);
  }
  for (const auto& p : scoped(kAuthz + "/roleDefinitions/{name}")) {
    add(verb::get, p, "role_definition.get", Api::kRoleDefinitions,
        &ArmService::get_role_definition);
  }
  for (const auto& p : scoped(kAuthz + "/roleDefinitions")) {
    add(verb::get, p, "role_definition.list", Api::kRoleDefinitions,
        &ArmService::list_role_definitions);
  }

  // Microsoft Graph (v1.0), the calls az makes around these commands.
  const auto graph = router.add_group("graph", options_.graph_hosts);
  auto add_graph = [&](verb v, const std::string& path, const char* name, Method m) {
    router.add(graph, v, path, std::string("graph.") + name, bind_graph(m));
  };
  add_graph(verb::get, "/v1.0/me", "me", &ArmService::graph_me);
  add_graph(verb::get, "/v1.0/servicePrincipals", "service_principals",
            &ArmService::graph_service_principals);
  add_graph(verb::post, "/v1.0/directoryObjects/getByIds", "get_by_ids",
            &ArmService::graph_get_by_ids);
}

}  // namespace kmslab::arm
