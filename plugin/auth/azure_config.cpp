#include "plugin/auth/azure_config.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kmslab::plugin {
namespace {

std::string scalar(const YAML::Node& root, const char* key) {
  const YAML::Node node = root[key];
  if (!node || node.IsNull()) return {};
  if (!node.IsScalar()) {
    throw std::runtime_error(std::string("failed to unmarshal azure.json, error: field ") + key +
                             " must be a string");
  }
  return node.as<std::string>();
}

bool boolean(const YAML::Node& root, const char* key) {
  const YAML::Node node = root[key];
  if (!node || node.IsNull()) return false;
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    throw std::runtime_error(std::string("failed to unmarshal azure.json, error: field ") + key +
                             " must be a boolean");
  }
  return value;
}

}  // namespace

AzureConfig parse_azure_config(const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(std::string("failed to unmarshal azure.json, error: ") + e.what());
  }
  AzureConfig c;
  if (!root || root.IsNull()) return c;  // yaml.Unmarshal of an empty document leaves defaults
  if (!root.IsMap())
    throw std::runtime_error("failed to unmarshal azure.json, error: not a mapping");
  c.cloud = scalar(root, "cloud");
  c.tenant_id = scalar(root, "tenantId");
  c.client_id = scalar(root, "aadClientId");
  c.client_secret = scalar(root, "aadClientSecret");
  c.use_managed_identity_extension = boolean(root, "useManagedIdentityExtension");
  c.user_assigned_identity_id = scalar(root, "userAssignedIdentityID");
  c.client_cert_path = scalar(root, "aadClientCertPath");
  c.client_cert_password = scalar(root, "aadClientCertPassword");
  return c;
}

AzureConfig load_azure_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("failed to load config file " + path + ", error: open " + path + ": " +
                             std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_azure_config(text.str());
}

}  // namespace kmslab::plugin
