#pragma once
// The documented remedies of each KMS detector finding, with the cluster's own names filled in
// (aks.md §4 and the seed ids it cites: D1 use-kms-etcd-encryption, D4 kms-observability,
// P4/P6/P7 the public-vault flow, R6/R7 the private one, L3/L4/L8/L9 the limits).
#include <string>
#include <vector>

namespace kmslab::aks {

struct RemedyContext {
  std::string resource_group, cluster;
  std::string vault, key, version;  // of the key the finding is about (may be empty)
  std::string network_access = "Public";
  std::string principal_id;  // the cluster's identity
  bool current = true;       // the key writes (false: the previous, decrypt-only key)
  bool kms_enabled = true;
};

/// The remedies for `code` (a finding's code, or a Key Vault error code the plugin relayed);
/// a generic pointer to the vault's diagnostic logs for a code without its own.
std::vector<std::string> remedies_for(const std::string& code, const RemedyContext& c);

}  // namespace kmslab::aks
