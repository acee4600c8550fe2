#include "emulator/keyvault/access.hpp"

#include <algorithm>
#include <map>

#include "emulator/core/router.hpp"
#include "emulator/keyvault/access_errors.hpp"

namespace kmslab::keyvault::access {

namespace {

using core::to_lower;

// Key Vault's own application id, which it accepts as an audience too (reference §5).
constexpr const char* kKeyVaultAppId = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093";
constexpr const char* kKeyVaultResource = "https://vault.azure.net";
constexpr const char* kManagedHsmResource = "https://managedhsm.azure.net";  // §9

// Deleted-key operations use the keys/* actions and the get/list permissions [U]; the Crypto
// Officer's keys/* covers recover and purge, as on the real service.
const std::map<std::string, Operation, std::less<>> kOperations = {
    {"keys.create", {"create", "Microsoft.KeyVault/vaults/keys/create/action", true}},
    {"keys.import", {"import", "Microsoft.KeyVault/vaults/keys/import/action", true}},
    {"keys.list", {"list", "Microsoft.KeyVault/vaults/keys/read", false}},
    {"keys.versions", {"list", "Microsoft.KeyVault/vaults/keys/read", true}},
    {"keys.get", {"get", "Microsoft.KeyVault/vaults/keys/read", true}},
    {"keys.update", {"update", "Microsoft.KeyVault/vaults/keys/update/action", true}},
    {"keys.delete", {"delete", "Microsoft.KeyVault/vaults/keys/delete", true}},
    {"keys.rotate", {"rotate", "Microsoft.KeyVault/vaults/keys/rotate/action", true}},
    {"keys.rotationpolicy.get",
     {"getrotationpolicy", "Microsoft.KeyVault/vaults/keyrotationpolicies/read", true}},
    {"keys.rotationpolicy.set",
     {"setrotationpolicy", "Microsoft.KeyVault/vaults/keyrotationpolicies/write", true}},
    {"keys.backup", {"backup", "Microsoft.KeyVault/vaults/keys/backup/action", true}},
    {"keys.restore", {"restore", "Microsoft.KeyVault/vaults/keys/restore/action", false}},
    {"deletedkeys.list", {"list", "Microsoft.KeyVault/vaults/keys/read", false}},
    {"deletedkeys.get", {"get", "Microsoft.KeyVault/vaults/keys/read", true}},
    {"deletedkeys.recover", {"recover", "Microsoft.KeyVault/vaults/keys/recover/action", true}},
    {"deletedkeys.purge", {"purge", "Microsoft.KeyVault/vaults/keys/purge/action", true}},
    {"keys.encrypt", {"encrypt", "Microsoft.KeyVault/vaults/keys/encrypt/action", true}},
    {"keys.decrypt", {"decrypt", "Microsoft.KeyVault/vaults/keys/decrypt/action", true}},
    {"keys.wrapkey", {"wrapKey", "Microsoft.KeyVault/vaults/keys/wrap/action", true}},
    {"keys.unwrapkey", {"unwrapKey", "Microsoft.KeyVault/vaults/keys/unwrap/action", true}},
    {"keys.sign", {"sign", "Microsoft.KeyVault/vaults/keys/sign/action", true}},
    {"keys.verify", {"verify", "Microsoft.KeyVault/vaults/keys/verify/action", true}},
    {"keys.release", {"release", "Microsoft.KeyVault/vaults/keys/release/action", true}},
    // GetRandomBytes names no access-policy permission and, for a vault, no data action (only
    // Managed HSM's managedHsm/rng/action; reference keyvault.md §2 [V]). What a standard vault
    // requires is [U]: kmslab asks for an authenticated caller its network rules admit (the
    // checks before this one) and no permission.
    {"rng", {"", "", false}},
};

errors::CallerLine caller_line(const identity::TokenClaims& c) {
  return {c.app_id, c.object_id, c.issuer};
}

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

bool via_private_link(const VaultSettings& vault, const std::optional<std::string>& subnet) {
  if (!subnet) return false;
  return std::any_of(
      vault.private_endpoint_connections.begin(), vault.private_endpoint_connections.end(),
      [&](const auto& c) { return c.status == "Approved" && to_lower(c.subnet_id) == *subnet; });
}

bool allowed_by_acls(const NetworkAcls& acls, const std::string& address,
                     const std::optional<std::string>& subnet) {
  if (to_lower(acls.default_action) != "deny") return true;
  if (auto ip = core::parse_ipv4(address)) {
    for (const auto& rule : acls.ip_rules) {
      auto range = core::parse_ipv4_cidr(rule);
      if (range && range->contains(*ip)) return true;
    }
  }
  return subnet && std::any_of(acls.virtual_network_rules.begin(), acls.virtual_network_rules.end(),
                               [&](const std::string& id) { return to_lower(id) == *subnet; });
}

bool has_permission(const std::vector<std::string>& granted, const std::string& permission) {
  return std::any_of(granted.begin(), granted.end(), [&](const std::string& p) {
    return to_lower(p) == "all" || to_lower(p) == to_lower(permission);
  });
}

std::optional<core::ApiError> check_policies(const VaultSettings& vault,
                                             const identity::TokenClaims& caller,
                                             const Operation& op) {
  bool found = false;
  bool needs_obo = false;
  for (const auto& policy : vault.access_policies) {
    if (to_lower(policy.tenant_id) != to_lower(caller.tenant_id) ||
        to_lower(policy.object_id) != to_lower(caller.object_id)) {
      continue;
    }
    // A compound identity entry grants only the application acting for the user (OBO).
    if (!policy.application_id.empty()) {
      needs_obo = true;
      continue;
    }
    found = true;
    if (has_permission(policy.keys, op.permission)) return std::nullopt;
  }
  if (!found && needs_obo) return errors::forbidden_by_policy_obo(caller_line(caller));
  if (!found) {
    return errors::caller_not_on_any_policy(caller_line(caller),
                                            errors::vault_line(vault.name, vault.location));
  }
  return errors::missing_policy_permission(caller_line(caller), "keys", op.permission, vault.name,
                                           vault.location);
}

}  // namespace

const Operation* operation_of(std::string_view route) {
  auto it = kOperations.find(route);
  return it == kOperations.end() ? nullptr : &it->second;
}

std::optional<std::string> check_claims(const VaultSettings& vault,
                                        const identity::TokenClaims& caller,
                                        const std::string& challenge_resource) {
  const std::string aud = to_lower(trim_slash(caller.audience));
  const bool named = vault.managed_hsm ? aud == kManagedHsmResource
                                       : (aud == kKeyVaultResource || aud == kKeyVaultAppId);
  if (!named && aud != to_lower(trim_slash(challenge_resource))) {
    return errors::invalid_audience(challenge_resource, caller.audience);
  }
  const std::string tenant = to_lower(vault.tenant_id);
  const std::string v1 = "https://sts.windows.net/" + tenant + "/";
  const std::string v2 = "https://login.microsoftonline.com/" + tenant + "/v2.0";
  const std::string iss = to_lower(caller.issuer);
  if (iss != v1 && iss != v2) return errors::invalid_issuer(v1, caller.issuer);
  return std::nullopt;
}

std::optional<core::ApiError> check_network(const VaultSettings& vault,
                                            const identity::TokenClaims& caller,
                                            const std::string& address,
                                            const core::SubnetMap* subnets) {
  const auto subnet = subnets ? subnets->subnet_of(address) : std::nullopt;
  if (via_private_link(vault, subnet)) return std::nullopt;
  if (to_lower(vault.public_network_access) == "disabled") return errors::forbidden_by_connection();
  if (!vault.network_acls || allowed_by_acls(*vault.network_acls, address, subnet)) {
    return std::nullopt;
  }
  const auto ip = core::parse_ipv4(address);
  return errors::forbidden_by_firewall(ip ? core::format_ipv4(*ip) : address, caller_line(caller),
                                       errors::vault_line(vault.name, vault.location));
}

std::optional<core::ApiError> check_authorization(const VaultSettings& vault,
                                                  const identity::TokenClaims& caller,
                                                  const Operation& op, const std::string& key_name,
                                                  const identity::RoleAssignments* roles,
                                                  std::string* granted_by) {
  if (vault.open_access || *op.permission == '\0') return std::nullopt;
  if (!vault.rbac) return check_policies(vault, caller, op);
  std::string resource = vault.resource_id();
  if (op.key_scoped && !key_name.empty()) resource += "/keys/" + key_name;
  if (roles) {
    const auto decision = roles->check_data_action(caller.object_id, op.data_action, resource);
    if (decision.allowed) {
      if (granted_by && decision.assignment) *granted_by = decision.assignment->name;
      return std::nullopt;
    }
  }
  return errors::forbidden_by_rbac(caller_line(caller), op.data_action, resource,
                                   errors::vault_line(vault.name, vault.location));
}

}  // namespace kmslab::keyvault::access
