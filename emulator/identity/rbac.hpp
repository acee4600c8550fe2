#pragma once
// Azure RBAC: the built-in role definitions kmslab knows and the role assignments ARM's
// Microsoft.Authorization provider writes, persisted under /authz/ra/{name}. The Key Vault data
// plane asks `check_data_action` on vaults with enableRbacAuthorization.
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/store/store.hpp"

namespace kmslab::identity {

struct RoleDefinition {
  std::string id;  // GUID (the "name" of the ARM resource)
  std::string role_name;
  std::string description;
  std::vector<std::string> actions, not_actions, data_actions, not_data_actions;

  /// True when `action` is granted by data_actions and not removed by not_data_actions
  /// (wildcards, case-insensitive).
  bool allows_data_action(const std::string& action) const;
};

/// Owner, Contributor, Reader and the Key Vault built-in roles (reference keyvault.md §9).
const std::vector<RoleDefinition>& builtin_roles();
/// By GUID, by full role definition id (".../roleDefinitions/{guid}") or by role name,
/// case-insensitively.
const RoleDefinition* find_builtin_role(const std::string& id_or_name);

/// "Microsoft.KeyVault/vaults/keys/*" matches "microsoft.keyvault/vaults/keys/read".
bool action_matches(const std::string& pattern, const std::string& action);
/// True when `scope` is `resource` or one of its ancestors ("/" covers everything),
/// case-insensitively and on segment boundaries.
bool scope_covers(const std::string& scope, const std::string& resource);

struct RoleAssignment {
  std::string name;   // GUID
  std::string scope;  // as created
  std::string
      role_definition_id;  // full id:
                           // {scope-or-sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}
  std::string principal_id;
  std::string principal_type;  // User | Group | ServicePrincipal | ForeignGroup | Device
  std::string description;
  std::string created_on;  // RFC 3339
  std::string created_by;

  /// "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}".
  std::string id() const;
  /// The GUID at the end of role_definition_id.
  std::string role_guid() const;
  nlohmann::json to_json() const;
  static RoleAssignment from_json(const nlohmann::json& j);
};

class RoleAssignments {
 public:
  explicit RoleAssignments(store::Store& store);

  void put(const RoleAssignment& assignment);
  std::optional<RoleAssignment> find(const std::string& name) const;
  bool erase(const std::string& name);
  std::vector<RoleAssignment> list() const;
  /// Removes every assignment whose scope is `resource_id` or below it (a deleted vault loses
  /// its assignments, and recovery does not bring them back: reference §7), in one transaction
  /// with the caller's `with` ops (the resources whose deletion takes the assignments along).
  /// Throws store::StoreError when the commit fails; nothing has changed then.
  void erase_under(const std::string& resource_id, std::vector<store::Op> with = {});
  /// The two halves of erase_under for a transaction another component commits (a resource
  /// group's deletion): the deletes to include, then, once it committed, the cache update. The
  /// caller keeps other writers out in between (ARM's write lock).
  std::vector<store::Op> erase_ops_under(const std::string& resource_id) const;
  void forget_under(const std::string& resource_id);

  struct Decision {
    bool allowed = false;
    std::optional<RoleAssignment> assignment;  // the one that granted it
  };
  /// May `principal_id` perform the data action on `resource_id`?
  Decision check_data_action(const std::string& principal_id, const std::string& action,
                             const std::string& resource_id) const;

 private:
  std::vector<store::Op> erase_ops_locked(const std::string& resource_id) const;
  void forget_locked(const std::string& resource_id);

  store::Store& store_;
  mutable std::mutex mu_;
  std::vector<RoleAssignment> cache_;
};

}  // namespace kmslab::identity
