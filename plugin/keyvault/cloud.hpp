#pragma once
// The Azure clouds as go-autorest's azure.Environment knows them (autorest/azure/environments.go,
// the table upstream's ParseAzureEnvironment reads): where to sign in, the vault DNS suffixes and
// the token resources. "N/A" is go-autorest's NotAvailable.
#include <string>

namespace kmslab::plugin {

inline constexpr const char* kNotAvailable = "N/A";

struct CloudEnvironment {
  std::string name;
  std::string active_directory_endpoint;  // ends with '/'
  std::string key_vault_dns_suffix;
  std::string managed_hsm_dns_suffix;
  std::string key_vault_resource;
  std::string managed_hsm_resource;
};

/// `cloud` from azure.json, matched case-insensitively as EnvironmentFromName does ("" is the
/// public cloud). AzureStackCloud reads the JSON file named by `environment_file` (upstream:
/// AZURE_ENVIRONMENT_FILEPATH). Throws std::runtime_error with go-autorest's message.
CloudEnvironment parse_cloud(const std::string& cloud, const std::string& environment_file);

/// "https://<vault>.<suffix>/" with upstream's name checks (3-24 chars of [-A-Za-z0-9]).
std::string vault_url(const std::string& vault_name, bool managed_hsm, const CloudEnvironment& env);

/// The token resource for the vault kind; throws when the cloud has none.
std::string vault_resource(bool managed_hsm, const CloudEnvironment& env);

}  // namespace kmslab::plugin
