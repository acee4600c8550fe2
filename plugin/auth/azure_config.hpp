#pragma once
// azure.json, read with a YAML parser as upstream reads it (pkg/config/azure_config.go), so JSON
// and YAML both work. Only the fields upstream reads.
#include <string>

namespace kmslab::plugin {

struct AzureConfig {
  std::string cloud;
  std::string tenant_id;
  std::string client_id;      // aadClientId
  std::string client_secret;  // aadClientSecret
  bool use_managed_identity_extension = false;
  std::string user_assigned_identity_id;
  std::string client_cert_path;      // aadClientCertPath
  std::string client_cert_password;  // aadClientCertPassword
};

/// Throws std::runtime_error with upstream's wording ("failed to unmarshal azure.json, ...").
AzureConfig parse_azure_config(const std::string& text);
/// Reads `path` ("failed to load config file <path>, error: ...") and parses it.
AzureConfig load_azure_config(const std::string& path);

}  // namespace kmslab::plugin
