#include "emulator/keyvault/errors.hpp"

namespace kmslab::keyvault::errors {

namespace {

ApiError forbidden(std::string message, std::string inner) {
  return {403, "Forbidden", std::move(message), std::move(inner), {}};
}

}  // namespace

// recorded-keyvault.md §2 [V]: GET, DELETE, backup, rotationpolicy of a missing key, and
// deletedkeys GET/recover/purge of a name never deleted (N:KC/GetKeyNonExisting.json,
// DeleteKeyNonExisting.json, GetDeletedKeyNonExisting.json, RecoverDeletedKeyNonExisting.json).
ApiError key_not_found(const std::string& name) {
  return {404,
          "KeyNotFound",
          "A key with (name/id) " + name +
              " was not found in this key vault. If you recently deleted this key you may be able "
              "to recover it using the correct recovery command. For help resolving this issue, "
              "please see https://go.microsoft.com/fwlink/?linkid=2125182",
          std::nullopt,
          {}};
}

ApiError key_version_not_found(const std::string& name, const std::string& version) {
  return key_not_found(name + "/" + version);
}

// Only while a DELETE is still being processed (C:K.BackupKey.json, K.CreateDeletedKey.json);
// a name that was never deleted gets key_not_found's long text.
ApiError deleted_key_not_found(const std::string& name) {
  return {404, "KeyNotFound", "Deleted Key not found: " + name, std::nullopt, {}};
}

ApiError key_deleted_but_recoverable(const std::string& name) {
  return {409,
          "Conflict",
          "Key " + name +
              " is currently in a deleted but recoverable state, and its name cannot be reused; in "
              "this state, the key can only be recovered or purged.",
          "ObjectIsDeletedButRecoverable",
          {}};
}

// C:K.CreateDeletedKeyBeforePollComplete.json: a create while the DELETE is still processing.
ApiError key_being_deleted(const std::string& name) {
  return {409,
          "Conflict",
          "Key " + name + " is currently being deleted and cannot be re-created; retry later.",
          "ObjectIsBeingDeleted",
          {}};
}

// recorded-keyvault.md §2 (C:K.CreateDeletedKey.json).
ApiError key_disabled(const std::string& op) {
  return forbidden("Operation " + op + " is not allowed on a disabled key.", "KeyDisabled");
}

// Quoted verbatim in sdk/keyvault/TROUBLESHOOTING.md (azure-sdk-for-net, -go, -java).
ApiError key_operation_forbidden(const std::string& op) {
  return forbidden("Operation " + op + " is not permitted on this key.", "KeyOperationForbidden");
}

ApiError key_expired(const std::string& op) {
  return forbidden("Operation " + op + " is not allowed on an expired key.", "KeyExpired");
}

ApiError key_not_yet_valid(const std::string& op) {
  return forbidden("Operation " + op + " is not allowed on a not yet valid key.", "KeyNotYetValid");
}

// reference/keyvault.md §4: captured in microsoft/AzureTRE#1951.
ApiError purge_protected() {
  return {403,
          "Forbidden",
          "Operation \"purge\" is not allowed because purge protection is enabled for this vault. "
          "Key Vault service will automatically purge it after the retention period has passed",
          std::nullopt,
          {}};
}

ApiError vault_not_found(const std::string& vault) {
  return {404,
          "VaultNotFound",
          "kmslab has no vault named '" + vault +
              "' (the real name would not resolve). Create it with `kmslab-emulator --vault " +
              vault + "` or through ARM.",
          std::nullopt,
          {}};
}

// recorded-keyvault.md §1 (N:KC/GetKeyNonExisting.json; every JS recording's first request,
// e.g. keyvault-keys recordings/node/.../recording_throws_when_trying_to_get_the_policy_of_a_
// deleted_key.js): 401, 97-byte body, authority on login.windows.net, `resource` (no scope).
ApiError missing_bearer_token(const std::string& tenant, const std::string& resource) {
  return {401,
          "Unauthorized",
          "AKV10000: Request is missing a Bearer or PoP token.",
          std::nullopt,
          {{"WWW-Authenticate", "Bearer authorization=\"https://login.windows.net/" + tenant +
                                    "\", resource=\"" + resource + "\""}}};
}

ApiError api_version_missing() {
  return {400,
          "BadParameter",
          "The api-version query parameter (?api-version=) is required for all requests.",
          std::nullopt,
          {}};
}

ApiError api_version_unknown(const std::string& version, bool flag_hint) {
  std::string message = "The specified version (" + version +
                        ") is not recognized. Consider using the latest supported version "
                        "(2025-07-01).";
  if (flag_hint) message += " (kmslab: start it with --accept-any-api-version to allow any.)";
  return {400, "BadParameter", message, std::nullopt, {}};
}

ApiError invalid_name(const std::string& what, const std::string& name) {
  return {400,
          "BadParameter",
          "The " + what + " name '" + name +
              "' is invalid: use 1 to 127 characters from 0-9, a-z, A-Z and '-'.",
          std::nullopt,
          {}};
}

ApiError bad_parameter(const std::string& message) {
  return {400, "BadParameter", message, std::nullopt, {}};
}

// The rule is documented (how-to-configure-key-rotation.md: "minimum value is 7 days from
// creation and 7 days from expiration time"); no recording of the service refusing a policy was
// found in the SDKs' session records, so the code is BadParameter and the wording is ours.
ApiError rotation_time_out_of_range(const std::string& trigger, const std::string& expiry) {
  return bad_parameter("The rotation time (" + trigger + ", expiryTime " + expiry +
                       ") must be at least 7 days after the key's creation and at least 7 days "
                       "before its expiry.");
}

ApiError property_required(const std::string& property) {
  return bad_parameter("Property '" + property + "' is required.\r\n");
}

ApiError not_base64url(const std::string& property) {
  return bad_parameter("Content of '" + property + "' is not base64url.\r\n");
}

// JS SDK recordings (Azure/azure-sdk-for-js sdk/keyvault/keyvault-keys/recordings/node/
// keys_client__..._secure_key_release/...): 400 BadParameter, no innererror.
ApiError exportable_not_supported() {  // the SDKs' unit-test mocks of the service ([R])
  return bad_parameter(
      "AKV.SKR.1001: The exportable attribute is only supported with premium vaults and API "
      "version >= '7.3-preview'.");
}

ApiError exportable_needs_release_policy() {  // recording "exportablenopolicy", 101 bytes
  return bad_parameter("AKV.SKR.1004: Exportable keys must have release policy.");
}

ApiError release_policy_needs_exportable() {  // recorded, 109 bytes
  return bad_parameter("AKV.SKR.1005: Non-exportable keys must not have release policy.");
}

// AKV.SKR.1006 is the code the service gives an exportable software key (reported by users);
// its text was not found in a recording.
ApiError exportable_needs_hsm() {
  return bad_parameter(
      "AKV.SKR.1006: Exportable keys must be HSM-protected (kty RSA-HSM, EC-HSM or oct-HSM).");
}

// AKV.SKR.1003 as users quote it, paraphrased; the exact text is not in a recording.
ApiError exportable_unchangeable() {
  return bad_parameter(
      "AKV.SKR.1003: The exportable attribute of an existing key cannot be changed.");
}

ApiError release_policy_immutable() {  // recording "immutablerelease", 108 bytes
  return bad_parameter("AKV.SKR.1020: Immutable Key Release Policy cannot be modified.");
}

ApiError invalid_release_policy() {
  return bad_parameter(
      "The key release policy 'data' must be base64url of a JSON policy with 'anyOf' or "
      "'allOf' rules.");
}

// No recording of a release refused for the key itself was found; the wording is kmslab's and
// the status follows the other AKV.SKR refusals (400 BadParameter) [U].
ApiError key_not_exportable(const std::string& name) {
  return bad_parameter("Key " + name +
                       " is not exportable and has no release policy: it cannot be released.");
}

// Azure/azure-sdk-for-js#21596 (the live nightly run of "can create an exportable key and release
// it", api 7.3): "AKV.SKR.1012: The specified attestation service *** cannot be reached." [R]; the
// *** is the policy's authority, masked in the log. The status is not in the report: 400
// BadParameter as for every other AKV.SKR refusal [U].
ApiError attestation_unreachable(const std::string& authority) {
  return bad_parameter("AKV.SKR.1012: The specified attestation service " + authority +
                       " cannot be reached.");
}

// N:MH/RestoreKeyNonExisting.json [V]; the HSM decorator appends the Activity ID.
ApiError foreign_crypto_domain() {
  return {400,
          "MalformedBackupBlob",
          "Backup blob belongs to a different crypto domain and cannot be used with this "
          "instance.",
          std::nullopt,
          {}};
}

// reference/keyvault.md §4: captured in vcsjones/AzureSignTool#219 (Content-Length 146).
ApiError throttled() {
  return {429,
          "Throttled",
          "Request was not processed because too many requests were received. Reason: "
          "VaultRequestTypeLimitReached",
          std::nullopt,
          {}};
}

// Azure/azure-sdk-for-js keyvault-keys recordings (…/recording_can_restore_a_key_with_a_given_
// backup.js, service 1.2.164.2): 409 Conflict, no innererror, 661-byte body for that kid.
ApiError restore_conflict(const std::string& kid) {
  return {409,
          "Conflict",
          "There was a conflict restoring the key '" + kid +
              "'. This can happen if either: a second key with the same name was created after "
              "the first key was deleted; thus trying to restore a key whose name is already in "
              "use. To fix this, rename the second key to something else so that the restore "
              "works. The second probable cause of this exception is when multiple operations are "
              "performed in parallel against the key. To avoid this error, perform operations "
              "against a key in a sequential manner.",
          std::nullopt,
          {}};
}

ApiError invalid_backup() {
  return bad_parameter("Backup blob contains invalid or corrupt version.");
}

ApiError too_many_versions_to_backup(const std::string& name) {
  return bad_parameter("Key " + name + " has more than 500 versions and cannot be backed up.");
}

}  // namespace kmslab::keyvault::errors
