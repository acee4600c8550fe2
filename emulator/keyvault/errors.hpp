#pragma once
// Key Vault's errors, with the real codes and messages (reference/keyvault.md §4). Where the real
// text is not known the message says what a user needs and the factory is marked "unverified".
#include <string>

#include "emulator/core/api_error.hpp"

namespace kmslab::keyvault::errors {

using core::ApiError;

ApiError key_not_found(const std::string& name);
ApiError key_version_not_found(const std::string& name, const std::string& version);
/// GET /deletedkeys/{name} while its deletion is still in progress.
ApiError deleted_key_not_found(const std::string& name);
ApiError key_deleted_but_recoverable(const std::string& name);
ApiError key_being_deleted(const std::string& name);
ApiError key_disabled(const std::string& op);
ApiError key_operation_forbidden(const std::string& op);
ApiError key_expired(const std::string& op);        // unverified inner code (KeyExpired)
ApiError key_not_yet_valid(const std::string& op);  // unverified wording and inner code
ApiError purge_protected();
ApiError vault_not_found(
    const std::string& vault);  // kmslab's own: the real DNS name would not resolve
ApiError missing_bearer_token(const std::string& tenant, const std::string& resource);
ApiError api_version_missing();  // unverified
ApiError api_version_unknown(const std::string& version, bool flag_hint);
ApiError invalid_name(const std::string& what, const std::string& name);  // unverified
ApiError bad_parameter(const std::string& message);
/// A Rotate trigger leaving under 7 days between creation and expiry (unverified wording).
ApiError rotation_time_out_of_range(const std::string& trigger, const std::string& expiry);
ApiError property_required(const std::string& property);  // unverified
ApiError not_base64url(const std::string& property);
// Secure Key Release (AKV.SKR.*).
ApiError exportable_not_supported();
ApiError exportable_needs_release_policy();
ApiError release_policy_needs_exportable();
ApiError exportable_needs_hsm();     // unverified wording
ApiError exportable_unchangeable();  // unverified wording
ApiError release_policy_immutable();
ApiError invalid_release_policy();  // unverified wording
/// POST .../release of a key that cannot be released (not exportable, no policy): unverified.
ApiError key_not_exportable(const std::string& name);
/// Managed HSM: a backup that is not this HSM's own (recorded-keyvault.md §9).
ApiError foreign_crypto_domain();
/// The release policy's attestation authority, which kmslab never reaches (there is none).
ApiError attestation_unreachable(const std::string& authority);
ApiError throttled();
/// `kid`: the backed-up key's current version id.
ApiError restore_conflict(const std::string& kid);
ApiError invalid_backup();                                      // unverified
ApiError too_many_versions_to_backup(const std::string& name);  // unverified

}  // namespace kmslab::keyvault::errors
