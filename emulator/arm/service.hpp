#pragma once
// Azure Resource Manager: the front door (bearer tokens, api-versions, ARM's headers) and the
// resource providers kmslab emulates behind it. routes -> handlers -> model -> store:
//   front_door.cpp          token check, api-version check, common headers, binding
//   api_versions.cpp        the api-versions each resource type takes
//   subscription_handlers.cpp  subscriptions, tenants, metadata/endpoints, providers, groups
//   vault_handlers.cpp      Microsoft.KeyVault/vaults (+ accessPolicies, checkNameAvailability)
//   deleted_vault_handlers.cpp  deletedVaults, purge (LRO), automatic purge timers
//   private_link_handlers.cpp   privateEndpointConnections, privateLinkResources,
//                           Microsoft.Network/privateEndpoints
//   identity_handlers.cpp   Microsoft.ManagedIdentity/userAssignedIdentities
//   authorization_handlers.cpp  Microsoft.Authorization roleAssignments / roleDefinitions
//   graph_handlers.cpp      the few Microsoft Graph calls az makes for these commands
//   managed_cluster_handlers.cpp  Microsoft.ContainerService/managedClusters (+ credentials,
//                           op-status), the AKS resource provider over emulator/aks
//   agent_pool_handlers.cpp managedClusters/{name}/agentPools
//   detector_handlers.cpp   managedClusters/{name}/detectors (the KMS detector, O2)
//   vmss_handlers.cpp       Microsoft.Compute/virtualMachineScaleSets of node resource groups
//   managed_cluster_json.cpp  managedCluster <-> ARM JSON, kubeconfigs, op-status bodies
//   vault_json.cpp          VaultSettings <-> ARM JSON, validation and normalisation
//
// Management-plane authorisation: every authenticated caller of the emulator's tenant acts as
// Owner of the subscription (real ARM RBAC on management actions is out of scope).
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/aks/cluster.hpp"
#include "emulator/aks/control_plane.hpp"
#include "emulator/aks/detector.hpp"
#include "emulator/aks/lifecycle.hpp"
#include "emulator/aks/validation.hpp"
#include "emulator/arm/operation_table.hpp"
#include "emulator/arm/resource_groups.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/guarded_timers.hpp"
#include "emulator/core/rng.hpp"
#include "emulator/core/router.hpp"
#include "emulator/identity/directory.hpp"
#include "emulator/identity/jwt.hpp"
#include "emulator/identity/rbac.hpp"
#include "emulator/keyvault/key_repository.hpp"
#include "emulator/keyvault/vault.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::arm {

struct ArmOptions {
  /// Host patterns ARM answers on (path-routed on the emulator's own names).
  std::vector<std::string> hosts = {"management.azure.com", "localhost", "127.0.0.1"};
  /// Host patterns the Microsoft Graph subset answers on.
  std::vector<std::string> graph_hosts = {"graph.microsoft.com", "localhost", "127.0.0.1"};
  std::string tenant_id;
  std::string subscription_id;
  std::string subscription_name = "kmslab";
  std::string default_resource_group;  // where --vault vaults live; always exists
  std::string region = "eastus";
  /// vaultUri is https://{name}.{vault_dns_suffix}/.
  std::string vault_dns_suffix = "vault.azure.net";
  /// Token audiences accepted besides ARM's four and https://{an ARM host}[:port][/].
  std::vector<std::string> extra_audiences;
  /// Verifies a bearer token's signature and lifetime (the emulator's shared verifier).
  std::function<identity::jwt::VerifyResult(std::string_view)> check_token;
  /// Retry-After (seconds) on long-running operations.
  /// The real RP sends none, so az would poll every 30 s (aks-recorded.md §1); 1 keeps tests
  /// and users fast.
  int retry_after_seconds = 1;
  bool accept_any_api_version = false;
  /// The AKS clusters' processes (emulator/aks/control_plane.hpp); null: ARM-only clusters
  /// (aks::ArmOnlyControlPlanes, owned by the service).
  aks::ControlPlanes* control_planes = nullptr;
  /// The emulator's virtual network map: clusters with API Server VNet Integration register
  /// their egress address in their API server subnet. Null: none registered.
  core::SubnetMap* subnets = nullptr;
  aks::LifecycleOptions aks;
  aks::DetectorOptions detector;  // the KMS detector's thresholds
};

/// Who called: from the verified token.
struct Caller {
  std::string tenant_id;
  std::string object_id;
  std::string app_id;
};

enum class Api {
  kMetadata,
  kSubscriptions,
  kResources,
  kKeyVault,
  kManagedIdentity,
  kRoleAssignments,
  kRoleDefinitions,
  kNetwork,
  kContainerService,
  kCompute,
  kDetectors,  // managedClusters/{name}/detectors
};

class ArmService {
 public:
  ArmService(store::Store& store, core::VirtualClock& clock, core::Rng& rng,
             keyvault::VaultRegistry& vaults, identity::Directory& directory,
             identity::RoleAssignments& assignments, ArmOptions options);
  ~ArmService();

  void register_routes(core::Router& router);
  /// Re-arms the automatic purge of vaults soft-deleted before a restart.
  void resume_timers();
  /// Re-applies every stored managed cluster to the control planes (they keep nothing across
  /// an emulator restart) and re-registers their subnets.
  void resume_clusters();
  /// /_kmslab/aks/... on the admin group (N2's grandfathering setting).
  void register_admin_routes(core::Router& router, core::Router::GroupId admin);

  struct Call;  // one request: context, caller, api-version (call.hpp)
  using Method = core::Result<core::Reply> (ArmService::*)(Call&);

 private:
  // front_door.cpp
  core::Handler bind(Api api, Method method);
  core::Handler bind_graph(Method method);
  core::Result<Caller> authenticate(core::RequestContext& ctx, bool graph) const;
  bool audience_ok(const std::string& audience) const;
  void decorate(const core::RequestContext& ctx, core::Reply& reply) const;
  std::optional<core::ApiError> check_subscription(const Call& call) const;
  std::optional<core::ApiError> check_group(const Call& call) const;
  /// The request's resource group, or ResourceGroupNotFound. Writers call it under write_mu_
  /// and use what it returns: a group checked before the lock may be gone after it.
  core::Result<ResourceGroup> group_of(const Call& call) const;

  // subscription_handlers.cpp
  core::Result<core::Reply> metadata_endpoints(Call& call);
  core::Result<core::Reply> list_subscriptions(Call& call);
  core::Result<core::Reply> get_subscription(Call& call);
  core::Result<core::Reply> list_tenants(Call& call);
  core::Result<core::Reply> list_providers(Call& call);
  core::Result<core::Reply> get_provider(Call& call);
  core::Result<core::Reply> register_provider(Call& call);
  core::Result<core::Reply> list_groups(Call& call);
  core::Result<core::Reply> get_group(Call& call);
  core::Result<core::Reply> head_group(Call& call);
  core::Result<core::Reply> put_group(Call& call);
  core::Result<core::Reply> delete_group(Call& call);
  core::Result<core::Reply> list_resources(Call& call);
  core::Result<core::Reply> operation_result(Call& call);

  // vault_handlers.cpp
  core::Result<core::Reply> put_vault(Call& call);
  core::Result<core::Reply> patch_vault(Call& call);
  core::Result<core::Reply> get_vault(Call& call);
  core::Result<core::Reply> delete_vault(Call& call);
  core::Result<core::Reply> list_vaults_in_group(Call& call);
  core::Result<core::Reply> list_vaults(Call& call);
  core::Result<core::Reply> update_access_policy(Call& call);
  core::Result<core::Reply> check_name_availability(Call& call);
  core::Result<core::Reply> empty_list(Call& call);
  core::Result<core::Reply> recover_vault(Call& call, const keyvault::VaultSettings& deleted,
                                          const std::string& group);
  core::Result<keyvault::VaultSettings> vault_in_group(const Call& call) const;
  void soft_delete(const keyvault::VaultSettings& vault);
  /// One transaction: `deleting` (active vaults) soft-deleted, or purged when soft delete is
  /// off, `purging` purged, the `with` ops, and every role assignment under `scope`; then the
  /// caches and the automatic purge timers. Under write_mu_.
  void remove_vaults(const std::vector<keyvault::VaultSettings>& deleting,
                     const std::vector<std::string>& purging, const std::string& scope,
                     std::vector<store::Op> with = {});

  // deleted_vault_handlers.cpp
  core::Result<core::Reply> list_deleted_vaults(Call& call);
  core::Result<core::Reply> get_deleted_vault(Call& call);
  core::Result<core::Reply> purge_deleted_vault(Call& call);
  void schedule_vault_purge(const std::string& name, int64_t at);
  void purge_vault(const keyvault::VaultSettings& vault);

  // private_link_handlers.cpp
  core::Result<core::Reply> list_connections(Call& call);
  core::Result<core::Reply> get_connection(Call& call);
  core::Result<core::Reply> put_connection(Call& call);
  core::Result<core::Reply> delete_connection(Call& call);
  core::Result<core::Reply> list_private_link_resources(Call& call);
  core::Result<core::Reply> put_private_endpoint(Call& call);
  core::Result<core::Reply> get_private_endpoint(Call& call);
  core::Result<core::Reply> delete_private_endpoint(Call& call);

  // identity_handlers.cpp
  core::Result<core::Reply> put_identity(Call& call);
  core::Result<core::Reply> get_identity(Call& call);
  core::Result<core::Reply> delete_identity(Call& call);
  core::Result<core::Reply> list_identities_in_group(Call& call);
  core::Result<core::Reply> list_identities(Call& call);

  // authorization_handlers.cpp
  core::Result<core::Reply> put_role_assignment(Call& call);
  core::Result<core::Reply> get_role_assignment(Call& call);
  core::Result<core::Reply> delete_role_assignment(Call& call);
  core::Result<core::Reply> list_role_assignments(Call& call);
  core::Result<core::Reply> get_role_definition(Call& call);
  core::Result<core::Reply> list_role_definitions(Call& call);
  std::optional<core::ApiError> check_scope(const Call& call, const std::string& scope) const;
  bool principal_known(const std::string& principal_id) const;

  // graph_handlers.cpp
  core::Result<core::Reply> graph_me(Call& call);
  core::Result<core::Reply> graph_service_principals(Call& call);
  core::Result<core::Reply> graph_get_by_ids(Call& call);

  // managed_cluster_handlers.cpp
  core::Result<core::Reply> put_cluster(Call& call);
  core::Result<core::Reply> get_cluster(Call& call);
  core::Result<core::Reply> delete_cluster(Call& call);
  core::Result<core::Reply> list_clusters_in_group(Call& call);
  core::Result<core::Reply> list_clusters(Call& call);
  core::Result<core::Reply> list_user_credential(Call& call);
  core::Result<core::Reply> list_admin_credential(Call& call);
  core::Result<core::Reply> credentials(Call& call, bool admin);
  core::Result<core::Reply> cluster_operation(Call& call);
  core::Result<core::Reply> cluster_operation_result(Call& call);
  /// The cluster's stored record by group and name; nullopt when there is none.
  std::optional<aks::ManagedCluster> find_cluster(const std::string& group,
                                                  const std::string& name) const;
  std::vector<aks::ManagedCluster> all_clusters() const;
  void save_cluster(const aks::ManagedCluster& cluster, std::vector<store::Op> with = {});
  /// Builds the next state of the cluster the path names (`old` null on create), validates it,
  /// runs the lifecycle and starts its operation; applies it after the write lock is released.
  using Build = std::function<core::Result<aks::ManagedCluster>(const aks::ManagedCluster* old)>;
  core::Result<aks::ManagedCluster> accept_cluster(const Call& call, const Build& build);
  /// Under write_mu_: what accept_cluster does between the build and the apply.
  core::Result<aks::ManagedCluster> admit_cluster(const aks::ManagedCluster* old,
                                                  aks::ManagedCluster next, bool* apply);
  void connect_private_vault(const aks::ManagedCluster& cluster);
  void register_subnet(const aks::ManagedCluster& cluster);
  /// `report`: the control planes' answer ends the cluster's operation.
  void apply_cluster(const aks::ManagedCluster& cluster, bool report = true);
  void finish_operation(const std::string& lower_id, const std::string& op_id,
                        const aks::ControlPlaneState& state);
  /// A rotation waiting for migration (I8) proceeds once the dropped provider holds no data.
  bool migration_done(aks::ManagedCluster& cluster) const;
  core::Reply cluster_reply(const Call& call, const aks::ManagedCluster& c, unsigned status);
  core::Reply with_operation_headers(const Call& call, core::Reply reply,
                                     const aks::ManagedCluster& c) const;
  aks::ValidationContext aks_context() const;
  // managed_cluster_admin.cpp
  bool grandfathered() const;
  core::Result<core::Reply> restart_cluster_processes(const std::string& body);

  // managed_cluster_power.cpp
  core::Result<core::Reply> stop_cluster(Call& call);
  core::Result<core::Reply> start_cluster(Call& call);
  core::Result<core::Reply> power_cluster(Call& call, bool start);

  // detector_handlers.cpp
  core::Result<core::Reply> get_detector(Call& call);
  core::Result<core::Reply> list_detectors(Call& call);
  /// The KMS detector's verdict on the cluster the path names (and that cluster's record).
  core::Result<aks::Diagnosis> diagnose_cluster(const Call& call, aks::ManagedCluster* cluster);
  std::string cluster_path(const Call& call) const;

  // agent_pool_handlers.cpp
  core::Result<core::Reply> list_pools(Call& call);
  core::Result<core::Reply> get_pool(Call& call);
  core::Result<core::Reply> put_pool(Call& call);
  core::Result<core::Reply> delete_pool(Call& call);

  // vmss_handlers.cpp
  core::Result<core::Reply> list_scale_sets(Call& call);
  core::Result<core::Reply> get_scale_set(Call& call);
  core::Result<core::Reply> put_scale_set(Call& call);

  /// Registers a finished long-running operation; returns its id.
  std::string new_operation();
  /// Runs `work` at `at` on the virtual clock, under the write lock, unless this is gone.
  void schedule_write(int64_t at, std::function<void()> work);

  store::Store& store_;
  core::VirtualClock& clock_;
  core::Rng& rng_;
  keyvault::VaultRegistry& vaults_;
  identity::Directory& directory_;
  identity::RoleAssignments& assignments_;
  ArmOptions options_;
  ResourceGroups groups_;
  std::mutex write_mu_;  // read-modify-write of ARM resources is serialised
  OperationTable operations_;
  core::GuardedTimers timers_{clock_, write_mu_};  // automatic purge of deleted vaults
  keyvault::KeyRepository keys_{store_};           // the AKS checks read keys directly
  std::unique_ptr<aks::ControlPlanes> own_control_planes_;
  aks::ControlPlanes* control_planes_ = nullptr;
  /// Control-plane callbacks reach the service through this while it lives.
  struct Link {
    std::mutex mu;
    ArmService* self = nullptr;
  };
  std::shared_ptr<Link> link_ = std::make_shared<Link>();
};

}  // namespace kmslab::arm
