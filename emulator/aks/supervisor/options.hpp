#pragma once
// What the supervisor needs to know to start a cluster's processes as AKS starts them.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace kmslab::core {
class TunnelRoutes;
}

namespace kmslab::aks {

struct SupervisorOptions {
  std::filesystem::path data_dir;           // the emulator's; clusters live in <data_dir>/clusters
  std::filesystem::path apiserver_binary;   // kmslab-apiserver
  std::filesystem::path kms_plugin_binary;  // kmslab-kms-plugin
  /// etcd (--aks-cluster-store=etcd): each cluster runs its own member and its apiserver stores
  /// there (--etcd-servers); empty: the apiservers' embedded store.
  std::filesystem::path etcd_binary;
  /// The kms providers' timeout in the EncryptionConfiguration. AKS's value is not published
  /// [U]: kube-apiserver's default.
  std::string kms_timeout = "3s";
  std::chrono::milliseconds start_timeout{20'000};  // apply -> every process serving, or kFailed
  std::chrono::milliseconds stop_grace{5'000};      // SIGTERM -> SIGKILL
  std::chrono::milliseconds restart_backoff_min{200};
  std::chrono::milliseconds restart_backoff_max{10'000};  // doubled per failure, capped here
  uintmax_t log_cap_bytes = 4 * 1024 * 1024;  // per process log; the older half goes to .log.1
  /// The emulator logs at debug level: so do the apiservers (--log-level debug), and the plugins
  /// at -v 10 (all) instead of -v 2, so the log-secrets test searches their most verbose output.
  bool debug_logs = false;
  /// Pass --virtual-clock-* to the apiservers so they follow the emulator's clock.
  bool follow_clock = false;
  std::filesystem::path clock_token_file;  // --virtual-clock-token-file; empty: none
  /// The CONNECT proxy's passthrough table (the cluster FQDNs); may be null.
  core::TunnelRoutes* tunnels = nullptr;
};

/// The emulator's addresses, known once its listeners are bound (ProcessSupervisor::start).
struct SupervisorEndpoints {
  std::string main_url;   // https://127.0.0.1:PORT
  std::string proxy_url;  // http://127.0.0.1:PORT: the plugins' HTTPS_PROXY
  std::string imds_url;   // http://127.0.0.1:PORT: the plugins' --imds-endpoint
  std::string ca_file;    // the emulator's CA: the plugins' --ca-bundle
  std::string vault_dns_suffix = "vault.azure.net";
};

}  // namespace kmslab::aks
