#include "emulator/identity/rbac.hpp"

#include <algorithm>

#include "emulator/core/router.hpp"

namespace kmslab::identity {

namespace {

using core::to_lower;

const std::string kPrefix = "/authz/ra/";

// The management reads every Key Vault data role also carries.
const std::vector<std::string> kKeyVaultReads = {
    "Microsoft.Authorization/*/read",
    "Microsoft.Insights/alertRules/*",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Support/*",
    "Microsoft.KeyVault/checkNameAvailability/read",
    "Microsoft.KeyVault/deletedVaults/read",
    "Microsoft.KeyVault/locations/*/read",
    "Microsoft.KeyVault/vaults/*/read",
    "Microsoft.KeyVault/operations/read"};

std::vector<RoleDefinition> make_builtin_roles() {
  const std::string kv = "Microsoft.KeyVault/vaults/";
  return {
      {"8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
       "Owner",
       "Grants full access to manage all resources, including the ability to assign roles in "
       "Azure RBAC.",
       {"*"},
       {},
       {},
       {}},
      {"b24988ac-6180-42a0-ab88-20f7382dd24c",
       "Contributor",
       "Grants full access to manage all resources, but does not allow you to assign roles in "
       "Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
       {"*"},
       {"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete",
        "Microsoft.Compute/galleries/share/action"},
       {},
       {}},
      {"acdd72a7-3385-48ef-bd42-f606fba81ae7",
       "Reader",
       "View all resources, but does not allow you to make any changes.",
       {"*/read"},
       {},
       {},
       {}},
      {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
       "User Access Administrator",
       "Lets you manage user access to Azure resources.",
       {"*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"},
       {},
       {},
       {}},
      {"00482a5a-887f-4fb3-b363-3b7fe8e74483",
       "Key Vault Administrator",
       "Perform all data plane operations on a key vault and all objects in it, including "
       "certificates, keys, and secrets. Cannot manage key vault resources or manage role "
       "assignments. Only works for key vaults that use the 'Azure role-based access control' "
       "permission model.",
       kKeyVaultReads,
       {},
       {kv + "*"},
       {}},
      {"14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
       "Key Vault Crypto Officer",
       "Perform any action on the keys of a key vault, except manage permissions. Only works for "
       "key vaults that use the 'Azure role-based access control' permission model.",
       kKeyVaultReads,
       {},
       {kv + "keys/*", kv + "keyrotationpolicies/*"},
       {}},
      {"12338af0-0e69-4776-bea7-57ae8d297424",
       "Key Vault Crypto User",
       "Perform cryptographic operations using keys. Only works for key vaults that use the "
       "'Azure role-based access control' permission model.",
       {},
       {},
       {kv + "keys/read", kv + "keys/update/action", kv + "keys/backup/action",
        kv + "keys/encrypt/action", kv + "keys/decrypt/action", kv + "keys/wrap/action",
        kv + "keys/unwrap/action", kv + "keys/sign/action", kv + "keys/verify/action"},
       {}},
      {"e147488a-f6f5-4113-8e2d-b22465e65bf6",
       "Key Vault Crypto Service Encryption User",
       "Read metadata of keys and perform wrap/unwrap operations. Only works for key vaults that "
       "use the 'Azure role-based access control' permission model.",
       {"Microsoft.EventGrid/eventSubscriptions/write",
        "Microsoft.EventGrid/eventSubscriptions/read",
        "Microsoft.EventGrid/eventSubscriptions/delete"},
       {},
       {kv + "keys/read", kv + "keys/wrap/action", kv + "keys/unwrap/action"},
       {}},
      {"08bbd89e-9f13-488c-ac41-acfcb10c90ab",
       "Key Vault Crypto Service Release User",
       "Release keys. Only works for key vaults that use the 'Azure role-based access control' "
       "permission model.",
       {},
       {},
       {kv + "keys/release/action"},
       {}},
      // dataActions as third parties list them [R]: every read, plus secret metadata.
      {"21090545-7ca7-4776-b22c-e363652d74d2",
       "Key Vault Reader",
       "Read metadata of key vaults and its certificates, keys, and secrets. Cannot read "
       "sensitive values such as secret contents or key material. Only works for key vaults that "
       "use the 'Azure role-based access control' permission model.",
       kKeyVaultReads,
       {},
       {kv + "*/read", kv + "secrets/readMetadata/action"},
       {}},
      {"4633458b-17de-408a-b874-0445c86b69e6",
       "Key Vault Secrets User",
       "Read secret contents. Only works for key vaults that use the 'Azure role-based access "
       "control' permission model.",
       {},
       {},
       {kv + "secrets/getSecret/action", kv + "secrets/readMetadata/action"},
       {}},
      {"b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
       "Key Vault Secrets Officer",
       "Perform any action on the secrets of a key vault, except manage permissions. Only works "
       "for key vaults that use the 'Azure role-based access control' permission model.",
       kKeyVaultReads,
       {},
       {kv + "secrets/*"},
       {}},
      {"db79e9a7-68ee-4b58-9aeb-b90e7c24fcba",
       "Key Vault Certificate User",
       "Read entire certificate contents including secret and key portion. Only works for key "
       "vaults that use the 'Azure role-based access control' permission model.",
       {},
       {},
       {kv + "certificates/read", kv + "secrets/getSecret/action",
        kv + "secrets/readMetadata/action", kv + "keys/read"},
       {}},
      {"f25e0fa2-a7c8-4377-a976-54943a77a395",
       "Key Vault Contributor",
       "Lets you manage key vaults, but not access to them.",
       {"Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.KeyVault/*",
        "Microsoft.Resources/deployments/*",
        "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*"},
       {"Microsoft.KeyVault/locations/deletedVaults/purge/action", "Microsoft.KeyVault/hsmPools/*",
        "Microsoft.KeyVault/managedHsms/*"},
       {},
       {}},
      {"8b54135c-b56d-4d72-a534-26097cfdc8d8",
       "Key Vault Data Access Administrator",
       "Manage access to Azure Key Vault by adding or removing role assignments for the Key Vault "
       "Administrator, Key Vault Certificates Officer, Key Vault Crypto Officer, Key Vault Crypto "
       "Service Encryption User, Key Vault Crypto User, Key Vault Reader, Key Vault Secrets "
       "Officer, or Key Vault Secrets User roles.",
       {"Microsoft.Authorization/roleAssignments/write",
        "Microsoft.Authorization/roleAssignments/delete", "Microsoft.Authorization/*/read",
        "Microsoft.Resources/deployments/*",
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        "Microsoft.Management/managementGroups/read", "Microsoft.Resources/subscriptions/read",
        "Microsoft.Support/*"},
       {},
       {},
       {}},
  };
}

// Glob match where '*' spans any run of characters, '/' included (as Azure's action wildcards).
bool glob(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (pi < p.size() && p[pi] == s[si]) {
      ++pi;
      ++si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::string trim_slash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

bool action_matches(const std::string& pattern, const std::string& action) {
  return glob(to_lower(pattern), to_lower(action));
}

bool scope_covers(const std::string& scope, const std::string& resource) {
  const std::string s = to_lower(trim_slash(scope));
  const std::string r = to_lower(trim_slash(resource));
  if (s == "/" || s == r) return true;
  return r.size() > s.size() && r.compare(0, s.size(), s) == 0 && r[s.size()] == '/';
}

bool RoleDefinition::allows_data_action(const std::string& action) const {
  auto any = [&](const std::vector<std::string>& patterns) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return action_matches(p, action); });
  };
  return any(data_actions) && !any(not_data_actions);
}

const std::vector<RoleDefinition>& builtin_roles() {
  static const std::vector<RoleDefinition> roles = make_builtin_roles();
  return roles;
}

const RoleDefinition* find_builtin_role(const std::string& id_or_name) {
  std::string key = to_lower(id_or_name);
  if (const size_t slash = key.rfind('/'); slash != std::string::npos) key = key.substr(slash + 1);
  for (const auto& role : builtin_roles()) {
    if (role.id == key || to_lower(role.role_name) == key) return &role;
  }
  return nullptr;
}

std::string RoleAssignment::id() const {
  return (scope == "/" ? std::string() : trim_slash(scope)) +
         "/providers/Microsoft.Authorization/roleAssignments/" + name;
}

std::string RoleAssignment::role_guid() const {
  const size_t slash = role_definition_id.rfind('/');
  return to_lower(slash == std::string::npos ? role_definition_id
                                             : role_definition_id.substr(slash + 1));
}

nlohmann::json RoleAssignment::to_json() const {
  return {{"name", name},
          {"scope", scope},
          {"role_definition_id", role_definition_id},
          {"principal_id", principal_id},
          {"principal_type", principal_type},
          {"description", description},
          {"created_on", created_on},
          {"created_by", created_by}};
}

RoleAssignment RoleAssignment::from_json(const nlohmann::json& j) {
  RoleAssignment a;
  a.name = j.value("name", "");
  a.scope = j.value("scope", "");
  a.role_definition_id = j.value("role_definition_id", "");
  a.principal_id = j.value("principal_id", "");
  a.principal_type = j.value("principal_type", "");
  a.description = j.value("description", "");
  a.created_on = j.value("created_on", "");
  a.created_by = j.value("created_by", "");
  return a;
}

RoleAssignments::RoleAssignments(store::Store& store) : store_(store) {
  for (const auto& kv : store_.range(kPrefix).kvs) {
    const auto j = nlohmann::json::parse(kv.value, nullptr, false);
    if (!j.is_discarded()) cache_.push_back(RoleAssignment::from_json(j));
  }
}

void RoleAssignments::put(const RoleAssignment& assignment) {
  std::lock_guard l(mu_);
  store_.put(kPrefix + to_lower(assignment.name), assignment.to_json().dump());
  auto it = std::find_if(cache_.begin(), cache_.end(), [&](const RoleAssignment& a) {
    return to_lower(a.name) == to_lower(assignment.name);
  });
  if (it == cache_.end()) {
    cache_.push_back(assignment);
  } else {
    *it = assignment;
  }
}

std::optional<RoleAssignment> RoleAssignments::find(const std::string& name) const {
  std::lock_guard l(mu_);
  for (const auto& a : cache_) {
    if (to_lower(a.name) == to_lower(name)) return a;
  }
  return std::nullopt;
}

bool RoleAssignments::erase(const std::string& name) {
  std::lock_guard l(mu_);
  auto it = std::find_if(cache_.begin(), cache_.end(), [&](const RoleAssignment& a) {
    return to_lower(a.name) == to_lower(name);
  });
  if (it == cache_.end()) return false;
  store_.del(kPrefix + to_lower(name));
  cache_.erase(it);
  return true;
}

std::vector<RoleAssignment> RoleAssignments::list() const {
  std::lock_guard l(mu_);
  return cache_;
}

std::vector<store::Op> RoleAssignments::erase_ops_locked(const std::string& resource_id) const {
  std::vector<store::Op> ops;
  for (const auto& a : cache_) {
    if (scope_covers(resource_id, a.scope))
      ops.push_back(store::Op::del(kPrefix + to_lower(a.name)));
  }
  return ops;
}

void RoleAssignments::forget_locked(const std::string& resource_id) {
  std::erase_if(cache_,
                [&](const RoleAssignment& a) { return scope_covers(resource_id, a.scope); });
}

void RoleAssignments::erase_under(const std::string& resource_id, std::vector<store::Op> with) {
  std::lock_guard l(mu_);
  store::Txn txn;
  txn.success = std::move(with);
  for (auto& op : erase_ops_locked(resource_id)) txn.success.push_back(std::move(op));
  if (!txn.success.empty()) store_.txn(txn);
  // Only after the commit: when it throws (disk full) every assignment stays in force, as stored.
  forget_locked(resource_id);
}

std::vector<store::Op> RoleAssignments::erase_ops_under(const std::string& resource_id) const {
  std::lock_guard l(mu_);
  return erase_ops_locked(resource_id);
}

void RoleAssignments::forget_under(const std::string& resource_id) {
  std::lock_guard l(mu_);
  forget_locked(resource_id);
}

RoleAssignments::Decision RoleAssignments::check_data_action(const std::string& principal_id,
                                                             const std::string& action,
                                                             const std::string& resource_id) const {
  std::lock_guard l(mu_);
  for (const auto& a : cache_) {
    if (to_lower(a.principal_id) != to_lower(principal_id)) continue;
    if (!scope_covers(a.scope, resource_id)) continue;
    const RoleDefinition* role = find_builtin_role(a.role_guid());
    if (role && role->allows_data_action(action)) return {true, a};
  }
  return {};
}

}  // namespace kmslab::identity
