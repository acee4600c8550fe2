#include "emulator/aks/remedies.hpp"

namespace kmslab::aks {

namespace {

std::string key_ref(const RemedyContext& c) {
  return "--vault-name " + (c.vault.empty() ? "VAULT" : c.vault) + " --name " +
         (c.key.empty() ? "KEY" : c.key);
}

// P7 / D1: rotation is an update with the new key id, then a rewrite of every secret.
std::string rotate(const RemedyContext& c) {
  return "Rotate to a new key version: az aks update --resource-group " + c.resource_group +
         " --name " + c.cluster +
         " --enable-azure-keyvault-kms --azure-keyvault-kms-key-id NEW_KEY_ID "
         "--azure-keyvault-kms-key-vault-network-access " +
         c.network_access +
         ", then rewrite every secret: kubectl get secrets --all-namespaces -o json | kubectl "
         "replace -f - (P7)";
}

const char* kUnrecoverable =
    "Secrets encrypted with this key can no longer be decrypted; the cluster may have to be "
    "recreated (D1). Deleting the key, the key vault or the identity is not supported.";
const char* kPlugin =
    "The KMS plugin is a sidecar of the API server and cannot be reached directly (O2, D4): read "
    "the key vault's diagnostic logs (AuditEvent) for its encrypt and decrypt calls (D1, M1).";

std::vector<std::string> key_remedies(const std::string& code, const RemedyContext& c) {
  const std::string version = c.version.empty() ? "VERSION" : c.version;
  if (code == "KeyExpired" || code == "KeyExpiringSoon")
    return {"Extend the key's expiry: az keyvault key set-attributes " + key_ref(c) +
                " --version " + version + " --expires NEW_DATE (D4)",
            rotate(c)};
  if (code == "KeyDisabled")
    return {"Enable the key version again: az keyvault key set-attributes " + key_ref(c) +
                " --version " + version + " --enabled true",
            rotate(c)};
  if (code == "KeyNotYetValid")
    return {"Move the key's activation date: az keyvault key set-attributes " + key_ref(c) +
                " --version " + version + " --not-before NOW",
            rotate(c)};
  if (code == "KeyOperationNotPermitted" || code == "KeyOperationForbidden")
    return {"The key must permit encrypt and decrypt: az keyvault key set-attributes " +
                key_ref(c) + " --version " + version + " --ops encrypt decrypt",
            rotate(c)};
  if (code == "KeyDeleted")
    return {
        "First verify whether the key is in a soft-deleted state; if so, recover it: az "
        "keyvault key recover " +
        key_ref(c) + " (D1)"};
  if (code == "KeyPurged" || code == "KeyVersionNotFound" || code == "KeyNotFound" ||
      code == "VaultPurged")
    return {kUnrecoverable};
  if (code == "VaultDeleted" || code == "VaultNotFound")
    return {"Recover the soft-deleted vault: az keyvault recover --name " + c.vault +
                " (its keys come back with it)",
            kUnrecoverable};
  return {};
}

std::vector<std::string> access_remedies(const std::string& code, const RemedyContext& c) {
  const std::string principal = c.principal_id.empty() ? "PRINCIPAL_ID" : c.principal_id;
  if (code == "AccessPolicyMissing" || code == "ForbiddenByPolicy")
    return {"Grant the cluster's identity encrypt and decrypt: az keyvault set-policy --name " +
            c.vault + " --object-id " + principal + " --key-permissions decrypt encrypt (P4)"};
  if (code == "RbacAccessMissing" || code == "ForbiddenByRbac")
    return {
        "Assign the cluster's identity the Key Vault Crypto User role: az role assignment "
        "create --role \"Key Vault Crypto User\" --assignee-object-id " +
        principal + " --assignee-principal-type ServicePrincipal --scope VAULT_RESOURCE_ID (P4)"};
  if (code == "VaultFirewallBlocksCluster" || code == "ForbiddenByFirewall" ||
      code == "ForbiddenByConnection")
    return {
        "Public key vault network access needs the vault to allow all networks (L3): az "
        "keyvault update --name " +
            c.vault + " --public-network-access Enabled --default-action Allow",
        "Or use a private key vault with API Server VNet Integration: disable KMS, change the "
        "vault, enable KMS with --azure-keyvault-kms-key-vault-network-access Private "
        "--azure-keyvault-kms-key-vault-resource-id VAULT_RESOURCE_ID (M1, R6)"};
  if (code == "IdentityNotFound")
    return {
        "Deleting the cluster's identity is not supported (D1): create a user-assigned "
        "identity, grant it encrypt and decrypt on the vault (P4) and update the cluster "
        "with it (az aks update --assign-identity IDENTITY_ID)"};
  return {};
}

std::vector<std::string> cluster_remedies(const std::string& code, const RemedyContext& c) {
  if (code == "KmsNotEnabled")
    return {"Enable it: az aks update --resource-group " + c.resource_group + " --name " +
            c.cluster +
            " --enable-azure-keyvault-kms --azure-keyvault-kms-key-id KEY_ID "
            "--azure-keyvault-kms-key-vault-network-access Public, then rewrite every "
            "secret: kubectl get secrets --all-namespaces -o json | kubectl replace -f - (P6)"};
  if (code == "ClusterUnrecoverable")
    return {
        "Scaling the nodes to zero through the Virtual Machine Scale Sets API is not "
        "supported with KMS (L8): recreate the cluster, and scale through the AKS API"};
  if (code == "RotationWaitingForMigration")
    return {
        "Rewrite every secret so that nothing is left under the previous key: kubectl get "
        "secrets --all-namespaces -o json | kubectl replace -f - (P7)"};
  if (code == "KmsV1SecretLimitExceeded" || code == "KmsV1SecretLimitNear")
    return {
        "KMS v1 supports at most 2,000 secrets (L4); KMS v2 has no such limit: disable KMS, "
        "rewrite the secrets, upgrade to Kubernetes 1.27 or later, enable KMS again and "
        "rewrite the secrets (V2)"};
  if (code == "PluginUnreachable" || code == "PluginUnhealthy" || code == "PluginCallFailed" ||
      code == "ApiServerUnreachable")
    return {kPlugin};
  return {};
}

}  // namespace

std::vector<std::string> remedies_for(const std::string& code, const RemedyContext& c) {
  std::vector<std::string> out = key_remedies(code, c);
  if (out.empty()) out = access_remedies(code, c);
  if (out.empty()) out = cluster_remedies(code, c);
  if (out.empty()) out = {kPlugin};
  if (!c.current && !c.vault.empty()) {
    out.push_back(c.kms_enabled
                      ? "This is the previous key, kept to decrypt data written before the last "
                        "rotation: keep it valid until the next rotation (P7, R7)"
                      : "This key still decrypts data written before KMS was disabled: keep it "
                        "valid until every secret is rewritten (D2, L9)");
  }
  return out;
}

}  // namespace kmslab::aks
