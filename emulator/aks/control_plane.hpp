#pragma once
// The seam between the AKS resource provider and the processes that make a cluster real.
//
//   emulator/arm (ContainerService handlers, LROs) -> emulator/aks (model, validation, lifecycle)
//        -> ControlPlanes (this interface) <- emulator/aks/supervisor (one kmslab-apiserver per
//           cluster, one kmslab-kms-plugin per KMS key, their logs, restarts)
//
// The resource provider owns the truth (the cluster resources in the emulator's store) and says
// what each cluster's processes must be; the supervisor makes it so and reports back. On an
// emulator restart the resource provider re-applies every stored cluster, so the supervisor keeps
// no state of its own beyond each cluster's data directory.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kmslab::aks {

/// One KMS key the cluster's apiserver uses: one `kms` provider of its EncryptionConfiguration,
/// served by one plugin process.
struct KmsKey {
  /// The provider's name in the EncryptionConfiguration: "azurekmsprovider" for the current key
  /// (aks.md); the previous key gets a distinct configurable name [U].
  std::string provider_name = "azurekmsprovider";
  std::string key_id;  // https://{vault}.{dns suffix}/keys/{name}/{version}, as the user gave it
  std::string vault_name, key_name, key_version;  // parsed from key_id
  bool private_access = false;                    // keyVaultNetworkAccess: Private
  int kms_api_version = 2;                        // the EncryptionConfiguration's kms apiVersion
  int cachesize = 1000;                           // v1 only (AKS's value is unverified)
};

struct ControlPlaneSpec {
  std::string cluster_id;          // the ARM resource id, lower-case: the supervisor's key
  std::string kubernetes_version;  // MAJOR.MINOR.PATCH, passed to --kubernetes-version
  std::string fqdn;                // {dnsPrefix}-{hash}.hcp.{region}.azmk8s.io
  std::string tenant_id;
  /// The user-assigned identity the plugins authenticate as (through the emulator's IMDS).
  std::string identity_client_id;
  std::string identity_resource_id;
  /// The address the plugins' Key Vault traffic leaves from (--source-address): the cluster's
  /// outbound address, or an address in its API server subnet with VNet integration.
  std::string egress_address;
  /// The providers, in EncryptionConfiguration order: the first writes, all read. Empty: KMS off
  /// (identity only).
  std::vector<KmsKey> kms;
  /// KMS disabled after it was on: identity writes, the kms providers stay as readers.
  bool identity_first = false;
  std::vector<std::string> pods;  // read-only kube-system pods, NAMESPACE/NAME (N3)
  bool running = true;            // false: the processes are stopped (scaled to zero, L8)
};

struct ControlPlaneState {
  enum class Phase { kStarting, kRunning, kFailed, kStopped };
  Phase phase = Phase::kStarting;
  std::string message;        // for kFailed: what went wrong, for the operation's error
  std::string apiserver_url;  // https://127.0.0.1:PORT
  std::string ca_pem;         // the cluster CA (kubeconfig certificate-authority-data)
  std::string token;          // the bearer token of the cluster's admin kubeconfig
};

/// One plugin call as the cluster's apiserver logged it (GET /_kmslab/kms-calls).
struct KmsCallRecord {
  uint64_t seq = 0;
  std::string time;      // RFC 3339 on the cluster's (virtual) clock
  std::string provider;  // the EncryptionConfiguration's provider name
  std::string method;    // "/v2.KeyManagementService/Status", ...
  std::string code;      // gRPC code name: "OK", "Unavailable", "Internal", ...
  double seconds = 0;
  std::string error;  // the plugin's message when not OK
};

/// What a cluster's apiserver says about its KMS plugins right now: the evidence of the KMS
/// detector (emulator/aks/detector.hpp).
struct ControlPlaneObservation {
  bool apiserver_answered = false;  // /healthz answered at all
  std::string apiserver_problem;    // otherwise the transport error
  /// /healthz?verbose checks that failed, by name, with /healthz/{name}'s reason.
  std::map<std::string, std::string> failing_checks;
  std::vector<KmsCallRecord> kms_calls;  // oldest first
  /// apiserver_storage_objects{resource="secrets"} from /metrics, when it could be read.
  std::optional<int64_t> stored_secrets;
};

class ControlPlanes {
 public:
  virtual ~ControlPlanes() = default;
  /// Starts, reconfigures or stops a cluster's processes to match `spec` and returns at once.
  /// `done` is called exactly once, from another thread, when they serve as specified (kRunning,
  /// kStopped) or have failed (kFailed); a later apply for the same cluster supersedes it. The
  /// resource provider never calls apply, remove or state while holding its write lock.
  virtual void apply(const ControlPlaneSpec& spec,
                     std::function<void(const ControlPlaneState&)> done) = 0;
  /// Stops a cluster's processes and deletes their data (the cluster was deleted).
  virtual void remove(const std::string& cluster_id) = 0;
  /// What the cluster's processes are doing now; nullopt for an unknown cluster.
  virtual std::optional<ControlPlaneState> state(const std::string& cluster_id) const = 0;
  /// Sends `signal` to the cluster's running processes: "apiserver", "kms-plugin" (every
  /// plugin) or "all"; the supervisor starts them again as after a crash. Returns the ids
  /// signalled (empty: none of them runs now); nullopt when this implementation runs no
  /// processes for the cluster (unknown cluster, ARM-only mode).
  virtual std::optional<std::vector<pid_t>> signal_processes(const std::string& cluster_id,
                                                             const std::string& process,
                                                             int signal) {
    (void)cluster_id;
    (void)process;
    (void)signal;
    return std::nullopt;
  }
  /// Whether any object the cluster's apiserver stores is still encrypted by the kms provider
  /// `provider_name` (its values carry that provider's prefix); nullopt when unknown. A rotation
  /// that would drop that provider waits while this says true (I8, aks.md §4). Called under the
  /// resource provider's write lock: it must not wait on anything a `done` call holds.
  virtual std::optional<bool> provider_in_use(const std::string& cluster_id,
                                              const std::string& provider_name) const {
    (void)cluster_id;
    (void)provider_name;
    return std::nullopt;
  }
  /// Asks the cluster's running apiserver (blocking, short timeouts); nullopt when no apiserver
  /// runs for it (unknown cluster, stopped, ARM-only). Never called under the RP's write lock.
  virtual std::optional<ControlPlaneObservation> observe(const std::string& cluster_id) const {
    (void)cluster_id;
    return std::nullopt;
  }
};

}  // namespace kmslab::aks
