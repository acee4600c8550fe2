#pragma once
// The AKS resource provider's errors, as named factories (ARM's CloudError envelope, written by
// core::to_reply). Real texts where a public capture shows them (aks.md §2.2, aks-recorded.md
// §2: I1-I5); "[U]" marks codes and messages kmslab chose where none is known.
#include <string>
#include <vector>

#include "emulator/core/api_error.hpp"

namespace kmslab::aks::errors {

using core::ApiError;

// I5 (message real, code not shown [U: BadRequest]).
ApiError system_assigned_identity(const std::string& type);
ApiError identity_not_found(const std::string& id);         // [U]
ApiError one_user_assigned_identity();                      // [U]
ApiError key_id_required();                                 // [U]
ApiError key_id_invalid(const std::string& key_id);         // [U]
ApiError network_access_invalid(const std::string& value);  // [U] (I2's wording family)
ApiError resource_id_empty();                               // I3, real
ApiError resource_id_invalid(const std::string& id);        // [U]
ApiError vnet_integration_required();                       // I4, real text, code [U]
ApiError resource_id_mismatch(const std::string& id, const std::string& vault);   // [U]
ApiError network_access_change();                                                 // [U]
ApiError upgrade_blocked_kms_v1(const std::string& from, const std::string& to);  // [U]
ApiError version_skip(const std::string& from, const std::string& to,
                      const std::vector<std::string>& available);
ApiError power_state_conflict(const std::string& provisioning, const std::string& power,
                              bool start);
ApiError stop_private_vault_without_vnet(const std::string& name, bool start);
ApiError version_invalid(const std::string& version);                        // [U]
ApiError version_downgrade(const std::string& from, const std::string& to);  // [U]
ApiError vault_not_found(const std::string& vault);  // recorded transient text, code [U]
ApiError cross_tenant_vault(const std::string& vault, const std::string& tenant);  // [U]
ApiError vault_network_blocked(const std::string& vault_url);                      // [U]
// I1, real (aks-recorded.md §2: the URL double-quoted, no trailing slash).
ApiError identity_permission(const std::string& vault_url);
// 409, real (public reports of AKS's pending-operation error).
ApiError operation_in_progress(const std::string& running_state);
ApiError cluster_unrecoverable(const std::string& name, const std::string& reason);  // [U]
ApiError system_pool_count(const std::string& pool);                                 // [U]
ApiError pool_count_invalid(const std::string& pool);                                // [U]
ApiError last_system_pool(const std::string& pool);                                  // [U]
ApiError agent_pool_not_found(const std::string& pool);                              // [U]
ApiError cluster_not_found(const std::string& name, const std::string& group);

}  // namespace kmslab::aks::errors
