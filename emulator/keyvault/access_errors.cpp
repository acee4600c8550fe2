#include "emulator/keyvault/access_errors.hpp"

#include "emulator/core/router.hpp"
#include "emulator/keyvault/errors.hpp"

namespace kmslab::keyvault::errors {

namespace {

ApiError forbidden(std::string message, std::string inner) {
  return {403, "Forbidden", std::move(message), std::move(inner), {}};
}

}  // namespace

std::string CallerLine::text() const {
  return "appid=" + app_id + ";oid=" + object_id + ";iss=" + issuer;
}

std::string vault_line(const std::string& vault, const std::string& location) {
  return core::to_lower(vault) + ";location=" + location;
}

ApiError unauthorized(const std::string& tenant, const std::string& resource, std::string message) {
  ApiError e = missing_bearer_token(tenant, resource);
  e.message = std::move(message);
  return e;
}

std::string invalid_audience(const std::string& expected, const std::string& found) {
  return "AKV10022: Invalid audience. Expected " + expected + ", found: " + found + ".";
}

std::string invalid_issuer(const std::string& expected, const std::string& found) {
  return "AKV10032: Invalid issuer. Expected one of " + expected + ", found " + found + ".";
}

ApiError forbidden_by_firewall(const std::string& client_address, const CallerLine& caller,
                               const std::string& vault) {
  return forbidden(
      "Client address is not authorized and caller is not a trusted service.\r\nClient address: " +
          client_address + "\r\nCaller: " + caller.text() + "\r\nVault: " + vault,
      "ForbiddenByFirewall");
}

// The message is verified; the inner code is what third-party runbooks report [R].
ApiError forbidden_by_connection() {
  return forbidden(
      "Public network access is disabled and request is not from a trusted service nor via an "
      "approved private link.",
      "ForbiddenByConnection");
}

// Verified message; the inner code AccessDenied is unverified for this variant [U].
ApiError caller_not_on_any_policy(const CallerLine& caller, const std::string& vault) {
  return forbidden("Access denied. Caller was not found on any access policy.\r\nCaller: " +
                       caller.text() + "\r\nVault: " + vault,
                   "AccessDenied");
}

ApiError missing_policy_permission(const CallerLine& caller, const std::string& kind,
                                   const std::string& permission, const std::string& vault,
                                   const std::string& location) {
  // Captured callers carry "numgroups=N" between oid and iss; app tokens have no groups.
  const std::string who =
      "appid=" + caller.app_id + ";oid=" + caller.object_id + ";numgroups=0;iss=" + caller.issuer;
  return forbidden("The user, group or application '" + who + "' does not have " + kind + " " +
                       permission + " permission on key vault '" + vault_line(vault, location) +
                       "'. For help resolving this issue, please see "
                       "https://go.microsoft.com/fwlink/?linkid=2125287",
                   "AccessDenied");
}

ApiError forbidden_by_policy_obo(const CallerLine& caller) {
  return forbidden("The policy requires the caller '" + caller.text() +
                       "' to use on-behalf-of (OBO) flow. For more information on OBO, please see "
                       "https://go.microsoft.com/fwlink/?linkid=2152310",
                   "ForbiddenByPolicy");
}

ApiError forbidden_by_rbac(const CallerLine& caller, const std::string& action,
                           const std::string& resource, const std::string& vault) {
  return forbidden(
      "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny "
      "assignments or role definitions were changed recently, please observe propagation "
      "time.\r\nCaller: " +
          caller.text() + "\r\nAction: '" + action + "'\r\nResource: '" + core::to_lower(resource) +
          "'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: "
          "'DeniedWithNoValidRBAC' \r\nVault: " +
          vault + "\r\n",
      "ForbiddenByRbac");
}

}  // namespace kmslab::keyvault::errors
