#pragma once
// Every error Azure Resource Manager (and the resource providers kmslab emulates behind it)
// answers with, as named factories. They become ARM's CloudError envelope
// {"error":{"code","message"}} in core::to_reply, the one place errors are serialised.
// Sources are cited per factory in errors.cpp; "[U]" marks wording not confirmed from a public
// capture.
#include <string>
#include <vector>

#include "emulator/core/api_error.hpp"

namespace kmslab::arm::errors {

using core::ApiError;

// Front door: authentication.
ApiError missing_authorization();
ApiError invalid_token();
ApiError expired_token(const std::string& expiry, const std::string& now);
ApiError wrong_audience(const std::string& audience);
ApiError wrong_tenant(const std::string& issuer, const std::string& tenant);

// Front door: api-version.
ApiError missing_api_version();
ApiError invalid_api_version(const std::string& version, const std::vector<std::string>& supported);
ApiError no_registered_provider(const std::string& version, const std::string& type,
                                const std::vector<std::string>& supported,
                                const std::string& location);

// Requests.
ApiError invalid_request_content(const std::string& detail);
ApiError bad_request(const std::string& message);
ApiError invalid_resource_type(const std::string& type, const std::string& ns,
                               const std::string& version);
ApiError subscription_not_found(const std::string& subscription);
ApiError resource_group_not_found(const std::string& group);
ApiError resource_not_found(const std::string& type, const std::string& name,
                            const std::string& group);
ApiError location_required();
ApiError invalid_location(const std::string& location);
ApiError invalid_resource_group_name(const std::string& name);
ApiError invalid_resource_name(const std::string& name, const std::string& type);
ApiError unsupported_filter(const std::string& filter);
ApiError operation_not_found(const std::string& id);
ApiError provider_not_found(const std::string& ns);

// Microsoft.KeyVault.
ApiError vault_name_invalid(const std::string& name);
ApiError vault_already_exists(const std::string& name);
ApiError vault_deleted_conflict();
ApiError deleted_vault_not_found(const std::string& name);
ApiError purge_not_allowed();
ApiError purge_protection_irreversible();
ApiError soft_delete_irreversible();
ApiError retention_out_of_range(long long days);
ApiError retention_immutable();
ApiError invalid_ip_rule(const std::string& value);
ApiError private_endpoint_connection_not_found(const std::string& name);

// Microsoft.Authorization.
ApiError role_assignment_exists();
ApiError role_assignment_not_found(const std::string& name);
ApiError role_definition_not_found(const std::string& id);
ApiError role_assignment_update_not_permitted();
ApiError principal_not_found(const std::string& principal, const std::string& tenant);
ApiError invalid_role_assignment_id(const std::string& name);
ApiError invalid_principal_type(const std::string& type);

// Microsoft Graph (its own envelope code set).
ApiError graph_invalid_token();
ApiError graph_me_needs_delegated();
ApiError graph_not_found(const std::string& id);

}  // namespace kmslab::arm::errors
