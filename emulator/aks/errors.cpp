#include "emulator/aks/errors.hpp"

namespace kmslab::aks::errors {

namespace {

ApiError bad(std::string code, std::string message) {
  return {400, std::move(code), std::move(message), std::nullopt, {}};
}

}  // namespace

// Azure/AKS-Construction#303: the text; the code was not shown.
ApiError system_assigned_identity(const std::string& type) {
  return bad("BadRequest", "AzureKeyVaultKms feature does not support cluster identity type " +
                               type + ", supported value is 'UserAssigned'");
}

ApiError identity_not_found(const std::string& id) {
  return bad("BadRequest", "The user assigned identity '" + id + "' was not found.");
}

ApiError one_user_assigned_identity() {
  return bad("BadRequest", "The cluster identity must have exactly one user assigned identity.");
}

ApiError key_id_required() {
  return bad("BadRequest", "KeyId is required when Azure Key Vault KMS is enabled.");
}

ApiError key_id_invalid(const std::string& key_id) {
  return bad("BadRequest", "KeyId '" + key_id +
                               "' is not a valid Azure Key Vault key identifier: expected "
                               "https://{vault}.{dns suffix}/keys/{name}/{version}.");
}

ApiError network_access_invalid(const std::string& value) {
  return bad("BadRequest", "KeyVault network access '" + value +
                               "' is invalid for Azure Key Vault KMS; allowed values: Public, "
                               "Private.");
}

// Azure/telescope#1121.
ApiError resource_id_empty() {
  return bad("BadRequest",
             "KeyVault resource ID is empty when KeyVault network access is Private.");
}

ApiError resource_id_invalid(const std::string& id) {
  return bad("BadRequest",
             "KeyVault resource ID '" + id + "' is not a valid key vault resource ID.");
}

// Azure/terraform-azurerm-aks#599 (HTTP 400, code not shown).
ApiError vnet_integration_required() {
  return bad("BadRequest",
             "Vnet integration should be enabled when KeyVault network access is Private.");
}

ApiError resource_id_mismatch(const std::string& id, const std::string& vault) {
  return bad("BadRequest", "KeyVault resource ID '" + id + "' does not name the key vault '" +
                               vault + "' of the KeyId.");
}

ApiError network_access_change() {
  return bad("BadRequest",
             "Changing the network access of the attached key vault is not allowed while Azure "
             "Key Vault KMS is enabled; disable KMS, change the key vault, then enable KMS again.");
}

// Modelled on AKS's upgrade-block errors (ValidationError, "Control Plane upgrade is blocked
// ..."; aks-recorded.md §2) and D2's wording.
ApiError upgrade_blocked_kms_v1(const std::string& from, const std::string& to) {
  return bad("ValidationError",
             "Control Plane upgrade is blocked due to Azure Key Vault KMS v1: a cluster on " +
                 from + " with KMS enabled cannot be upgraded to " + to +
                 " (1.27 or later). Disable KMS, migrate the secrets, upgrade, then enable KMS "
                 "again (KMS v2).");
}

// rancher/dashboard#11884 quotes the RP: {"code":"OperationNotAllowed","message":"Upgrading
// Kubernetes version 1.28.12 to 1.30.2 is not allowed. Available upgrades: [1.29.7 ...]. Please
// see https://aka.ms/aks-supported-k8s-ver for version details."} (HTTP status 400 [U]).
ApiError version_skip(const std::string& from, const std::string& to,
                      const std::vector<std::string>& available) {
  std::string list;
  for (const auto& v : available) list += (list.empty() ? "" : " ") + v;
  return bad("OperationNotAllowed", "Upgrading Kubernetes version " + from + " to " + to +
                                        " is not allowed. Available upgrades: [" + list +
                                        "]. Please see https://aka.ms/aks-supported-k8s-ver for "
                                        "version details.");
}

// Azure/AKS#1871 quotes the RP's detail for a second stop: "managed cluster is in
// (Succeeded,Stopped) state, stopping cannot be performed" (400; the code is not shown [U]).
ApiError power_state_conflict(const std::string& provisioning, const std::string& power,
                              bool start) {
  return bad("BadRequest", "Managed cluster is in (" + provisioning + "," + power + ") state, " +
                               (start ? "starting" : "stopping") + " cannot be performed");
}

// I10 (MicrosoftDocs/azure-aks-docs#30): with KMS on a private key vault and no API Server VNet
// Integration "you can't stop and then start the cluster". The RP's text is unknown [U].
ApiError stop_private_vault_without_vnet(const std::string& name, bool start) {
  return bad("OperationNotAllowed",
             std::string(start ? "Starting" : "Stopping") + " managed cluster '" + name +
                 "' is not supported: Azure Key Vault KMS uses a private key vault and the "
                 "cluster does not use API Server VNet Integration, so it could not be started "
                 "again. Enable API Server VNet Integration first.");
}

ApiError version_invalid(const std::string& version) {
  return bad("InvalidParameter", "The value of parameter kubernetesVersion '" + version +
                                     "' is invalid: expected MAJOR.MINOR or MAJOR.MINOR.PATCH.");
}

ApiError version_downgrade(const std::string& from, const std::string& to) {
  return bad("BadRequest",
             "Downgrading the Kubernetes version from " + from + " to " + to + " is not allowed.");
}

// Text seen live by the aks-preview test harness (aks-recorded.md §2).
ApiError vault_not_found(const std::string& vault) {
  return bad("BadRequest", "KeyVault '" + vault + "' could not be validated or it is not found.");
}

ApiError cross_tenant_vault(const std::string& vault, const std::string& tenant) {
  return bad("BadRequest", "KeyVault '" + vault + "' belongs to tenant '" + tenant +
                               "': a key vault in another tenant is not supported for Azure Key "
                               "Vault KMS.");
}

ApiError vault_network_blocked(const std::string& vault_url) {
  return bad("BadRequest",
             "KeyVault \"" + vault_url +
                 "\" has connectivity blocked: with KeyVault network access Public the key vault "
                 "must allow public access from all networks.");
}

ApiError identity_permission(const std::string& vault_url) {
  return bad("AzureKeyVaultKmsValidateIdentityPermissionCustomerError",
             "The identity does not have keys encrypt/decrypt permission on key vault \"" +
                 vault_url + "\"");
}

ApiError operation_in_progress(const std::string& running_state) {
  return {409,
          "OperationNotAllowed",
          "Operation is not allowed: Another operation (" + running_state +
              ") is in progress, please wait for it to finish before starting a new operation. "
              "See https://aka.ms/aks-pending-operation for more details",
          std::nullopt,
          {}};
}

ApiError cluster_unrecoverable(const std::string& name, const std::string& reason) {
  return bad("ClusterUnrecoverable", "The managed cluster '" + name +
                                         "' is down and cannot be recovered: " + reason +
                                         ". Delete and recreate the cluster.");
}

ApiError system_pool_count(const std::string& pool) {
  return bad("InvalidParameter", "The value of parameter agentPoolProfile.count of system pool '" +
                                     pool + "' is invalid: it must be 1 to 1000 (inclusive).");
}

ApiError pool_count_invalid(const std::string& pool) {
  return bad("InvalidParameter", "The value of parameter agentPoolProfile.count of pool '" + pool +
                                     "' is invalid: it must be 0 to 1000 (inclusive).");
}

ApiError last_system_pool(const std::string& pool) {
  return bad("OperationNotAllowed", "Agent pool '" + pool +
                                        "' is the last system pool: a cluster needs at least "
                                        "one system node pool.");
}

ApiError agent_pool_not_found(const std::string& pool) {
  return {404, "NotFound", "Agent pool '" + pool + "' not found.", std::nullopt, {}};
}

// ARM's ResourceNotFound wording for the type.
ApiError cluster_not_found(const std::string& name, const std::string& group) {
  return {404,
          "ResourceNotFound",
          "The Resource 'Microsoft.ContainerService/managedClusters/" + name +
              "' under resource group '" + group +
              "' was not found. For more details please go "
              "to https://aka.ms/ARMResourceNotFoundFix",
          std::nullopt,
          {}};
}

}  // namespace kmslab::aks::errors
