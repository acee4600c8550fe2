#pragma once
// Who may do what to a vault, judged in Azure's order: the token (authentication), the network
// rules, then authorisation (access policies, or Azure RBAC on vaults with
// enableRbacAuthorization). The object itself is the handlers' business afterwards.
#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/api_error.hpp"
#include "emulator/core/ipv4.hpp"
#include "emulator/identity/rbac.hpp"
#include "emulator/identity/token_verifier.hpp"
#include "emulator/keyvault/vault.hpp"

namespace kmslab::keyvault::access {

/// What a data-plane route needs: the access-policy permission (in the "keys" list) and the RBAC
/// data action. key_scoped: the action applies to /keys/{name} (a single-key role assignment
/// covers it), else to the vault. An empty permission: authentication and the network rules only.
struct Operation {
  const char* permission;
  const char* data_action;
  bool key_scoped;
};
/// By route name ("keys.create"); nullptr for a route without an entry, which is refused.
const Operation* operation_of(std::string_view route);

/// Audience and issuer of an accepted token, for this vault and the resource its challenge
/// names. Returns the 401 message, or nullopt.
std::optional<std::string> check_claims(const VaultSettings& vault,
                                        const identity::TokenClaims& caller,
                                        const std::string& challenge_resource);

/// publicNetworkAccess, private endpoints and networkAcls for a caller at `address`.
std::optional<core::ApiError> check_network(const VaultSettings& vault,
                                            const identity::TokenClaims& caller,
                                            const std::string& address,
                                            const core::SubnetMap* subnets);

/// Access policies or RBAC. `key_name` is empty for vault-wide operations. When RBAC grants the
/// call, `granted_by` (if given) receives the name (GUID) of the role assignment that did: Key
/// Vault names it in x-ms-keyvault-rbac-assignment-id (recorded-keyvault.md §4).
std::optional<core::ApiError> check_authorization(const VaultSettings& vault,
                                                  const identity::TokenClaims& caller,
                                                  const Operation& op, const std::string& key_name,
                                                  const identity::RoleAssignments* roles,
                                                  std::string* granted_by = nullptr);

}  // namespace kmslab::keyvault::access
