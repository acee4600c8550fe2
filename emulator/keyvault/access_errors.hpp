#pragma once
// Key Vault's refusals of a caller (reference/keyvault.md §4, §5, §8, §9): 401s for tokens the
// vault does not accept, 403s from the network rules and from authorisation. The caller and vault
// lines follow the captured messages ([V] unless marked).
#include <string>

#include "emulator/core/api_error.hpp"

namespace kmslab::keyvault::errors {

using core::ApiError;

/// The "Caller:" line: "appid=...;oid=...;iss=https://sts.windows.net/{tid}/".
struct CallerLine {
  std::string app_id, object_id, issuer;
  std::string text() const;
};
/// The "Vault:" line: "{vault};location={region}".
std::string vault_line(const std::string& vault, const std::string& location);

/// A 401 with Key Vault's challenge and `message` (AKV10022, AKV10032, AKV10046, ...).
ApiError unauthorized(const std::string& tenant, const std::string& resource, std::string message);
std::string invalid_audience(const std::string& expected, const std::string& found);
std::string invalid_issuer(const std::string& expected, const std::string& found);

ApiError forbidden_by_firewall(const std::string& client_address, const CallerLine& caller,
                               const std::string& vault_line);
ApiError forbidden_by_connection();
ApiError caller_not_on_any_policy(const CallerLine& caller, const std::string& vault_line);
ApiError missing_policy_permission(const CallerLine& caller, const std::string& kind,
                                   const std::string& permission, const std::string& vault,
                                   const std::string& location);
ApiError forbidden_by_policy_obo(const CallerLine& caller);
ApiError forbidden_by_rbac(const CallerLine& caller, const std::string& action,
                           const std::string& resource, const std::string& vault_line);

}  // namespace kmslab::keyvault::errors
