#include "emulator/aks/supervisor/cluster_files.hpp"

#include <openssl/evp.h>
#include <sys/un.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace kmslab::aks {

namespace fs = std::filesystem;

namespace {

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string last_segment(const std::string& id) {
  const auto slash = id.find_last_of('/');
  return slash == std::string::npos ? id : id.substr(slash + 1);
}

}  // namespace

std::string spec_problem(const ControlPlaneSpec& spec) {
  if (spec.cluster_id.empty()) return "the cluster id is empty";
  std::vector<std::string> seen;
  for (const auto& key : spec.kms) {
    const std::string& name = key.provider_name;
    const bool safe = !name.empty() && name != "." && name != ".." &&
                      std::all_of(name.begin(), name.end(), [](unsigned char c) {
                        return std::isalnum(c) || c == '.' || c == '_' || c == '-';
                      });
    if (!safe) return "KMS provider name '" + name + "' is not of [A-Za-z0-9._-]";
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      return "KMS provider name '" + name + "' is used twice";
    seen.push_back(name);
    if (key.vault_name.empty() || key.key_name.empty() || key.key_version.empty())
      return "KMS provider '" + name + "' needs a vault, a key name and a key version";
    if (key.kms_api_version != 1 && key.kms_api_version != 2)
      return "KMS provider '" + name + "': apiVersion must be v1 or v2";
  }
  return "";
}

std::string cluster_dir_name(const std::string& cluster_id) {
  std::string name;
  for (unsigned char c : last_segment(cluster_id)) {
    if (name.size() == 24) break;
    name += std::isalnum(c) || c == '-' || c == '_' ? static_cast<char>(std::tolower(c)) : '_';
  }
  if (name.empty()) name = "cluster";
  return name + "-" + sha256_hex(cluster_id).substr(0, 12);
}

std::string plugin_endpoint(const fs::path& dir, const std::string& provider) {
  const std::string path = (dir / (provider + ".socket")).string();
  if (path.size() < sizeof(sockaddr_un{}.sun_path)) return "unix://" + path;
  // Abstract names are global to the host: named after the directory, not the cluster id, so
  // two emulators with a cluster of the same id (parallel scenario stacks) do not collide.
  return "unix:///@kmslab-" + sha256_hex(path).substr(0, 16) + "-" + provider;
}

std::string encryption_configuration(const ControlPlaneSpec& spec, const fs::path& dir,
                                     const std::string& kms_timeout) {
  // JSON quoting keeps every value a plain YAML scalar, whatever characters it holds.
  auto q = [](const std::string& s) { return nlohmann::json(s).dump(); };
  std::string kms;
  for (const auto& key : spec.kms) {
    kms += "      - kms:\n";
    kms += "          apiVersion: " + std::string(key.kms_api_version == 1 ? "v1" : "v2") + "\n";
    kms += "          name: " + q(key.provider_name) + "\n";
    kms += "          endpoint: " + q(plugin_endpoint(dir, key.provider_name)) + "\n";
    if (key.kms_api_version == 1)
      kms += "          cachesize: " + std::to_string(key.cachesize) + "\n";
    kms += "          timeout: " + q(kms_timeout) + "\n";
  }
  const std::string identity = "      - identity: {}\n";
  return "kind: EncryptionConfiguration\n"
         "apiVersion: apiserver.config.k8s.io/v1\n"
         "resources:\n"
         "  - resources:\n"
         "      - secrets\n"
         "    providers:\n" +
         (spec.identity_first ? identity + kms : kms + identity);
}

std::string azure_json(const ControlPlaneSpec& spec, const std::string& vault_dns_suffix) {
  const nlohmann::json j = {
      {"cloud",
       cloud_environment_json(vault_dns_suffix).empty() ? "AzurePublicCloud" : "AzureStackCloud"},
      {"tenantId", spec.tenant_id},
      {"useManagedIdentityExtension", true},
      {"userAssignedIdentityID", spec.identity_client_id}};
  return j.dump(2) + "\n";
}

std::string cloud_environment_json(const std::string& vault_dns_suffix) {
  if (vault_dns_suffix.empty() || vault_dns_suffix == "vault.azure.net") return "";
  // go-autorest's Environment fields the plugin reads (plugin/keyvault/cloud.cpp).
  const nlohmann::json j = {{"name", "AzureStackCloud"},
                            {"activeDirectoryEndpoint", "https://login.microsoftonline.com/"},
                            {"keyVaultDNSSuffix", vault_dns_suffix},
                            {"resourceIdentifiers", {{"keyVault", "https://" + vault_dns_suffix}}}};
  return j.dump(2) + "\n";
}

std::vector<std::string> plugin_args(const ControlPlaneSpec& spec, const KmsKey& key,
                                     const fs::path& dir, const SupervisorEndpoints& endpoints,
                                     bool debug_logs) {
  std::vector<std::string> args = {"--listen-addr",
                                   plugin_endpoint(dir, key.provider_name),
                                   "--keyvault-name",
                                   key.vault_name,
                                   "--key-name",
                                   key.key_name,
                                   "--key-version",
                                   key.key_version,
                                   "--config-file-path",
                                   (dir / (key.provider_name + ".azure.json")).string(),
                                   "--healthz-port",
                                   "0",
                                   "--metrics-addr",
                                   "0",
                                   "--imds-endpoint",
                                   endpoints.imds_url,
                                   "--ca-bundle",
                                   endpoints.ca_file,
                                   "-v",
                                   debug_logs ? "10" : "2"};
  if (!spec.egress_address.empty()) {
    args.push_back("--source-address");
    args.push_back(spec.egress_address);
  }
  return args;
}

std::vector<std::string> apiserver_args(const ControlPlaneSpec& spec, const fs::path& dir,
                                        const SupervisorOptions& options,
                                        const SupervisorEndpoints& endpoints,
                                        const std::string& etcd_servers) {
  std::vector<std::string> args = {"--data-dir",
                                   (dir / "apiserver").string(),
                                   "--secure-port",
                                   "0",
                                   "--encryption-provider-config",
                                   (dir / "encryption-config.yaml").string(),
                                   "--encryption-provider-config-automatic-reload",
                                   "--kubernetes-version",
                                   spec.kubernetes_version};
  if (!spec.fqdn.empty()) {
    args.push_back("--external-hostname");
    args.push_back(spec.fqdn);
  }
  if (options.debug_logs) args.insert(args.end(), {"--log-level", "debug"});
  if (!etcd_servers.empty()) {
    args.push_back("--etcd-servers");
    args.push_back(etcd_servers);
  }
  for (const auto& pod : spec.pods) {
    args.push_back("--pod");
    args.push_back(pod);
  }
  if (options.follow_clock) {
    args.insert(args.end(), {"--virtual-clock-url", endpoints.main_url, "--virtual-clock-ca-file",
                             endpoints.ca_file});
    if (!options.clock_token_file.empty()) {
      args.push_back("--virtual-clock-token-file");
      args.push_back(options.clock_token_file.string());
    }
  }
  return args;
}

}  // namespace kmslab::aks
