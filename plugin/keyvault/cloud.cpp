#include "plugin/keyvault/cloud.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace kmslab::plugin {
namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

const CloudEnvironment kPublic{"AzurePublicCloud",        "https://login.microsoftonline.com/",
                               "vault.azure.net",         "managedhsm.azure.net",
                               "https://vault.azure.net", "https://managedhsm.azure.net"};
const CloudEnvironment kChina{"AzureChinaCloud",        "https://login.chinacloudapi.cn/",
                              "vault.azure.cn",         "managedhsm.azure.cn",
                              "https://vault.azure.cn", "https://managedhsm.azure.cn"};
const CloudEnvironment kUsGov{
    "AzureUSGovernmentCloud",          "https://login.microsoftonline.us/",
    "vault.usgovcloudapi.net",         "managedhsm.usgovcloudapi.net",
    "https://vault.usgovcloudapi.net", "https://managedhsm.usgovcloudapi.net"};
const CloudEnvironment kGerman{
    "AzureGermanCloud", "https://login.microsoftonline.de/", "vault.microsoftazure.de",
    kNotAvailable,      "https://vault.microsoftazure.de",   kNotAvailable};

CloudEnvironment from_file(const std::string& path) {
  if (path.empty()) {
    throw std::runtime_error(
        "Cannot determine the environment file path: AZURE_ENVIRONMENT_FILEPATH is not set");
  }
  std::ifstream in(path);
  if (!in) throw std::runtime_error("open " + path + ": no such file or directory");
  std::stringstream text;
  text << in.rdbuf();
  const auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object()) throw std::runtime_error("error parsing " + path + ": not a JSON object");
  auto str = [](const nlohmann::json& o, const char* k) {
    return o.contains(k) && o[k].is_string() ? o[k].get<std::string>() : std::string(kNotAvailable);
  };
  const nlohmann::json ids =
      j.contains("resourceIdentifiers") && j["resourceIdentifiers"].is_object()
          ? j["resourceIdentifiers"]
          : nlohmann::json::object();
  return {str(j, "name"),
          str(j, "activeDirectoryEndpoint"),
          str(j, "keyVaultDNSSuffix"),
          str(j, "managedHSMDNSSuffix"),
          str(ids, "keyVault"),
          str(ids, "managedHSM")};
}

}  // namespace

CloudEnvironment parse_cloud(const std::string& cloud, const std::string& environment_file) {
  const std::string name = upper(cloud);
  if (name.empty() || name == "AZURECLOUD" || name == "AZUREPUBLICCLOUD") return kPublic;
  if (name == "AZURECHINACLOUD") return kChina;
  if (name == "AZUREUSGOVERNMENT" || name == "AZUREUSGOVERNMENTCLOUD") return kUsGov;
  if (name == "AZUREGERMANCLOUD") return kGerman;
  if (name == "AZURESTACKCLOUD") return from_file(environment_file);
  throw std::runtime_error("autorest/azure: There is no cloud environment matching the name \"" +
                           name + "\"");
}

std::string vault_url(const std::string& vault_name, bool managed_hsm,
                      const CloudEnvironment& env) {
  if (vault_name.size() < 3 || vault_name.size() > 24) {
    throw std::runtime_error("invalid vault name: \"" + vault_name +
                             "\", must be between 3 and 24 chars");
  }
  static const std::regex valid("^[-A-Za-z0-9]+$");
  if (!std::regex_match(vault_name, valid)) {
    throw std::runtime_error("invalid vault name: \"" + vault_name +
                             "\", must match [-a-zA-Z0-9]{3,24}");
  }
  const std::string& suffix = managed_hsm ? env.managed_hsm_dns_suffix : env.key_vault_dns_suffix;
  if (suffix == kNotAvailable)
    throw std::runtime_error("vault dns suffix not available for cloud: " + env.name);
  return "https://" + vault_name + "." + suffix + "/";
}

std::string vault_resource(bool managed_hsm, const CloudEnvironment& env) {
  const std::string& resource = managed_hsm ? env.managed_hsm_resource : env.key_vault_resource;
  if (resource == kNotAvailable) {
    throw std::runtime_error("keyvault resource identifier not available for cloud: " + env.name);
  }
  return resource;
}

}  // namespace kmslab::plugin
