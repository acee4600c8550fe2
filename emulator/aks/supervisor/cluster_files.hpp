#pragma once
// A cluster's files and command lines, as AKS lays them out for its control plane (pure: no
// processes, so each is unit-tested): the EncryptionConfiguration, each plugin's azure.json, and
// the argv of kmslab-kms-plugin and kmslab-apiserver.
#include <filesystem>
#include <string>
#include <vector>

#include "emulator/aks/control_plane.hpp"
#include "emulator/aks/supervisor/options.hpp"

namespace kmslab::aks {

/// Why the supervisor cannot run `spec` as given (empty when it can): provider names become file
/// names, so they must be distinct and of [A-Za-z0-9._-] (and not "." or ".."); each key needs
/// its vault, name and version; the apiVersion is v1 or v2.
std::string spec_problem(const ControlPlaneSpec& spec);

/// A short directory name for an ARM resource id: the cluster's name (safe characters, at most
/// 24) and 12 hex digits of its SHA-256, so unix socket paths inside stay short.
std::string cluster_dir_name(const std::string& cluster_id);

/// unix://<dir>/<provider>.socket, or an abstract socket (unix:///@kmslab-<hash of that
/// path>-<provider>) when the path would not fit a sockaddr_un.
std::string plugin_endpoint(const std::filesystem::path& dir, const std::string& provider);

/// The EncryptionConfiguration for secrets: the kms providers in spec order (AKS's upstream
/// sample, Azure/kubernetes-kms tests/e2e), identity last, or first once KMS was disabled.
std::string encryption_configuration(const ControlPlaneSpec& spec, const std::filesystem::path& dir,
                                     const std::string& kms_timeout);

/// The plugin's azure.json: the user-assigned identity through IMDS, as AKS writes
/// /etc/kubernetes/azure.json for the plugin (fields upstream's pkg/config reads).
std::string azure_json(const ControlPlaneSpec& spec, const std::string& vault_dns_suffix);

/// AzureStackCloud's environment file (AZURE_ENVIRONMENT_FILEPATH) for a vault DNS suffix that
/// is not a known cloud's; empty when the suffix is the public cloud's.
std::string cloud_environment_json(const std::string& vault_dns_suffix);

/// `debug_logs`: SupervisorOptions::debug_logs (-v 10, else -v 2).
std::vector<std::string> plugin_args(const ControlPlaneSpec& spec, const KmsKey& key,
                                     const std::filesystem::path& dir,
                                     const SupervisorEndpoints& endpoints, bool debug_logs = false);

/// `etcd_servers`: the cluster's etcd (--etcd-servers), empty for the embedded store.
std::vector<std::string> apiserver_args(const ControlPlaneSpec& spec,
                                        const std::filesystem::path& dir,
                                        const SupervisorOptions& options,
                                        const SupervisorEndpoints& endpoints,
                                        const std::string& etcd_servers = "");

}  // namespace kmslab::aks
