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

#include "emulator/arm/operation_table.hpp"
#include "emulator/arm/resource_groups.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/guarded_timers.hpp"
#include "emulator/core/rng.hpp"
#include "emulator/core/router.hpp"
#include "emulator/identity/directory.hpp"
#include "emulator/identity/jwt.hpp"
#include "emulator/identity/rbac.hpp"
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
  int retry_after_seconds = 1;
  bool accept_any_api_version = false;
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
};

}  // namespace kmslab::arm
