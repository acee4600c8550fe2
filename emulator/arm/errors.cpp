#include "emulator/arm/errors.hpp"

namespace kmslab::arm::errors {

namespace {

ApiError make(unsigned status, std::string code, std::string message) {
  return {status, std::move(code), std::move(message), std::nullopt, {}};
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

// ARM's challenge [U: the error_description wording is from memory of captures, unconfirmed].
ApiError unauthorized(std::string code, std::string message, const std::string& description) {
  ApiError e = make(401, std::move(code), std::move(message));
  e.headers.emplace_back("WWW-Authenticate",
                         "Bearer authorization_uri=\"https://login.windows.net/\", "
                         "error=\"invalid_token\", error_description=\"" +
                             description + "\"");
  return e;
}

}  // namespace

ApiError missing_authorization() {
  return unauthorized("AuthenticationFailed",
                      "Authentication failed. The 'Authorization' header is missing.",
                      "The authentication failed because of missing 'Authorization' header.");
}

ApiError invalid_token() {
  return unauthorized("InvalidAuthenticationToken", "The access token is invalid.",
                      "The access token is invalid.");
}

ApiError expired_token(const std::string& expiry, const std::string& now) {
  return unauthorized("ExpiredAuthenticationToken",
                      "The access token expiry UTC time '" + expiry +
                          "' is earlier than current UTC time '" + now + "'.",
                      "The access token has expired.");
}

// Verified: GH Azure-Samples/active-directory-dotnetcore-daemon-v2#145 (exact message).
ApiError wrong_audience(const std::string& audience) {
  return unauthorized("InvalidAuthenticationTokenAudience",
                      "The access token has been obtained for wrong audience or resource '" +
                          audience +
                          "'. It should exactly match with one of the allowed audiences "
                          "'https://management.core.windows.net/',"
                          "'https://management.core.windows.net',"
                          "'https://management.azure.com/','https://management.azure.com'.",
                      "The access token has been obtained for wrong audience or resource.");
}

ApiError wrong_tenant(const std::string& issuer, const std::string& tenant) {
  return unauthorized("InvalidAuthenticationTokenTenant",
                      "The access token is from the wrong issuer '" + issuer +
                          "'. It must match the tenant 'https://sts.windows.net/" + tenant +
                          "/' associated with this subscription. Please use the authority (URL) "
                          "'https://login.windows.net/" +
                          tenant + "' to get the token.",
                      "The access token is from the wrong issuer.");
}

ApiError missing_api_version() {
  return make(400, "MissingApiVersionParameter",
              "The api-version query parameter (?api-version=) is required for all requests.");
}

// Verified shape: GH Azure/azure-cli#27109 (reference keyvault.md §10).
ApiError invalid_api_version(const std::string& version,
                             const std::vector<std::string>& supported) {
  return make(400, "InvalidApiVersionParameter",
              "The api-version '" + version + "' is invalid. The supported versions are '" +
                  join(supported, ",") + "'.");
}

// Verified shape: GH Azure/azure-cli#19389, #18483 (resource provider types).
ApiError no_registered_provider(const std::string& version, const std::string& type,
                                const std::vector<std::string>& supported,
                                const std::string& location) {
  return make(400, "NoRegisteredProviderFound",
              "No registered resource provider found for location '" + location +
                  "' and API version '" + version + "' for type '" + type +
                  "'. The supported api-versions are '" + join(supported, ", ") +
                  "'. The supported locations are '" + location + "'.");
}

// [U] ARM front door's wording for undeserialisable bodies.
ApiError invalid_request_content(const std::string& detail) {
  return make(400, "InvalidRequestContent",
              "The request content was invalid and could not be deserialized: '" + detail + "'.");
}

ApiError bad_request(const std::string& message) {
  return make(400, "BadRequest", message);
}

ApiError invalid_resource_type(const std::string& type, const std::string& ns,
                               const std::string& version) {
  return make(400, "InvalidResourceType",
              "The resource type '" + type + "' could not be found in the namespace '" + ns +
                  "' for api version '" + version + "'.");
}

ApiError subscription_not_found(const std::string& subscription) {
  return make(404, "SubscriptionNotFound",
              "The subscription '" + subscription + "' could not be found.");
}

ApiError resource_group_not_found(const std::string& group) {
  return make(404, "ResourceGroupNotFound", "Resource group '" + group + "' could not be found.");
}

ApiError resource_not_found(const std::string& type, const std::string& name,
                            const std::string& group) {
  return make(404, "ResourceNotFound",
              "The Resource '" + type + "/" + name + "' under resource group '" + group +
                  "' was not found. For more details please go to "
                  "https://aka.ms/ARMResourceNotFoundFix");
}

ApiError location_required() {
  return make(400, "LocationRequired", "The location property is required for this definition.");
}

ApiError invalid_location(const std::string& location) {
  return make(400, "LocationNotAvailableForResourceType",
              "The provided location '" + location +
                  "' is not available for resource type. List of available regions is the "
                  "emulator's configured region.");
}

ApiError invalid_resource_group_name(const std::string& name) {
  return make(400, "InvalidResourceGroup",
              "The provided resource group name '" + name +
                  "' has these invalid characters: . The name can only be a letter, digit, '-', "
                  "'.', '(', ')' or '_'.");
}

ApiError invalid_resource_name(const std::string& name, const std::string& type) {
  return make(400, "InvalidResourceName",
              "Resource name " + name +
                  " is invalid. The name can be up to 128 characters long "
                  "and can contain only letters, digits, '-' and '_' (" +
                  type + ").");
}

ApiError unsupported_filter(const std::string& filter) {
  return make(400, "InvalidFilterInQueryString",
              "The $filter '" + filter + "' is not supported by kmslab.");
}

ApiError operation_not_found(const std::string& id) {
  return make(404, "OperationNotFound", "The operation '" + id + "' could not be found.");
}

ApiError provider_not_found(const std::string& ns) {
  return make(404, "InvalidResourceNamespace", "The resource namespace '" + ns + "' is invalid.");
}

// [U] checkNameAvailability's AccountNameInvalid text, reused for PUT.
ApiError vault_name_invalid(const std::string& name) {
  return make(400, "VaultNameNotValid",
              "The vault name '" + name +
                  "' is invalid. A vault's name must be between 3-24 alphanumeric characters. "
                  "The name must begin with a letter, end with a letter or digit, and not "
                  "contain consecutive hyphens.");
}

// Code verified (learn.microsoft.com key-vault common-error-codes); wording per reference §7.
ApiError vault_already_exists(const std::string& name) {
  return make(409, "VaultAlreadyExists",
              "The vault name '" + name +
                  "' is already in use. If you recently deleted a key vault with this name, it "
                  "may still be in the soft deleted state.");
}

// Verified: GH Azure/azure-cli#29115.
ApiError vault_deleted_conflict() {
  return make(409, "ConflictError",
              "A vault with the same name already exists in deleted state. You need to either "
              "recover or purge existing key vault. Follow this link "
              "https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft "
              "delete.");
}

ApiError deleted_vault_not_found(const std::string& name) {
  return make(404, "ResourceNotFound",
              "The Resource 'Microsoft.KeyVault/deletedVaults/" + name +
                  "' was not found. For more details please go to "
                  "https://aka.ms/ARMResourceNotFoundFix");
}

// Verified code and message: GH microsoft/AzureTRE#1446 (HTTP status [U]).
ApiError purge_not_allowed() {
  return make(405, "MethodNotAllowed", "Operation 'DeletedVaultPurge' is not allowed.");
}

// Verified: GH Azure/azure-cli#29115.
ApiError purge_protection_irreversible() {
  return make(400, "BadRequest",
              "The property \"enablePurgeProtection\" cannot be set to false. Enabling the "
              "purge protection for a vault is an irreversible action.");
}

// [U] modelled on the purge protection message.
ApiError soft_delete_irreversible() {
  return make(400, "BadRequest",
              "The property \"enableSoftDelete\" cannot be set to false. Enabling the soft "
              "delete for a vault is an irreversible action.");
}

ApiError retention_out_of_range(long long days) {
  return make(400, "BadRequest",
              "The property \"softDeleteRetentionInDays\" has an invalid value '" +
                  std::to_string(days) + "'. It must be an integer between 7 and 90.");
}

ApiError retention_immutable() {
  return make(400, "BadRequest",
              "The property \"softDeleteRetentionInDays\" cannot be changed once the vault has "
              "been created.");
}

ApiError invalid_ip_rule(const std::string& value) {
  return make(400, "BadRequest",
              "The IP address or range '" + value +
                  "' is invalid. Only IPv4 addresses and CIDR ranges are allowed.");
}

ApiError private_endpoint_connection_not_found(const std::string& name) {
  return make(404, "PrivateEndpointConnectionNotFound",
              "Private endpoint connection '" + name + "' not found.");
}

// Code verified (GH ansible-collections/azure#1137); message per az's own check
// (_error_caused_by_role_assignment_exists looks for the code).
ApiError role_assignment_exists() {
  return make(409, "RoleAssignmentExists", "The role assignment already exists.");
}

ApiError role_assignment_not_found(const std::string& name) {
  return make(404, "RoleAssignmentNotFound", "The role assignment '" + name + "' is not found.");
}

// Code verified (GH JulianHayward/AzAPICall#23); message [U].
ApiError role_definition_not_found(const std::string& id) {
  return make(400, "RoleDefinitionDoesNotExist",
              "The specified role definition with ID '" + id + "' does not exist.");
}

ApiError role_assignment_update_not_permitted() {
  return make(400, "RoleAssignmentUpdateNotPermitted",
              "Tenant ID, application ID, principal ID, and scope are not allowed to be "
              "updated.");
}

// [U] wording after learn.microsoft.com role-based-access-control/troubleshooting.
ApiError principal_not_found(const std::string& principal, const std::string& tenant) {
  return make(400, "PrincipalNotFound",
              "Principal " + principal + " does not exist in the directory " + tenant +
                  ". Check that you have the correct principal ID. If you are creating this "
                  "principal and then immediately assigning a role, this error might be related "
                  "to a replication delay. In this case, set the role assignment principalType "
                  "property to a value, such as ServicePrincipal, User, or Group.  See "
                  "https://aka.ms/docs-principaltype");
}

ApiError invalid_role_assignment_id(const std::string& name) {
  return make(400, "InvalidRoleAssignmentId",
              "The role assignment ID '" + name +
                  "' is not valid. The role assignment ID must "
                  "be a GUID.");
}

ApiError invalid_principal_type(const std::string& type) {
  return make(400, "InvalidPrincipalType", "The principal type '" + type + "' is not valid.");
}

ApiError graph_invalid_token() {
  ApiError e = make(401, "InvalidAuthenticationToken", "Access token validation failure.");
  e.headers.emplace_back("WWW-Authenticate",
                         "Bearer realm=\"\", authorization_uri="
                         "\"https://login.microsoftonline.com/common/oauth2/"
                         "authorize\", client_id=\"00000003-0000-0000-c000-"
                         "000000000000\"");
  return e;
}

// Graph's answer to /me with an app-only token; az falls back to a servicePrincipals lookup.
ApiError graph_me_needs_delegated() {
  return make(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
}

ApiError graph_not_found(const std::string& id) {
  return make(404, "Request_ResourceNotFound",
              "Resource '" + id +
                  "' does not exist or one of its queried reference-property "
                  "objects are not present.");
}

}  // namespace kmslab::arm::errors
