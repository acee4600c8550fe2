#pragma once
// What the encryption layer hands the rest of the simulated kube-apiserver: the transformers
// for each resource and the health checks its KMS providers add to /healthz and /readyz (not
// /livez), named as kube-apiserver names them (reference kms.md §5.4: "kms-provider-0", ... or
// "kms-providers").
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/apiserver/encryption/kms_service.hpp"
#include "emulator/apiserver/encryption/transformer.hpp"

namespace kmslab::core {
class VirtualClock;
class MetricsRegistry;
class Rng;
}  // namespace kmslab::core

namespace kmslab::apiserver::encryption {

struct HealthCheck {
  std::string name;
  /// nullopt when healthy; otherwise the failure text kube-apiserver shows for the check.
  std::function<std::optional<std::string>()> probe;
};

struct ProviderSet {
  std::shared_ptr<TransformerRegistry> registry;
  std::vector<HealthCheck> checks;
  /// "sha256:<hex>" of the configuration file ("" for identity_provider_set()).
  std::string content_hash;
};

/// An EncryptionConfiguration that cannot be used. `what()` is kube-apiserver's own message.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ProviderDeps {
  core::VirtualClock& clock;         // every KMS timer runs on it
  core::MetricsRegistry& metrics;    // apiserver_envelope_encryption_* and friends
  std::string kubernetes_version;    // "1.26", "1.29", ...: what differs by release (kms.md §1.3)
  bool kms_v1_feature_gate = false;  // --feature-gates=KMSv1=true
  /// --encryption-provider-config-automatic-reload: one "kms-providers" check, and v1 names
  /// must be unique too (kms.md §5.3, §5.4).
  bool automatic_reload = false;
  /// Key material (DEKs, seeds, nonces); nullptr = OpenSSL's RAND_bytes.
  core::Rng* rng = nullptr;
  /// kube-apiserver's identity ("apiserver-<hash>"), a metric label (kms.md §4.6).
  std::string apiserver_id;
  /// Hears of every plugin call (the apiserver logs them); empty = not logged.
  KmsCallLog kms_calls;
};

/// The Kubernetes minor version ProviderDeps::kubernetes_version names ("1.29", "v1.27.3");
/// "" means the newest this emulator models. Throws ConfigError when unreadable.
int kubernetes_minor(const std::string& version);

/// Every resource as identity (no --encryption-provider-config).
ProviderSet identity_provider_set();

/// Reads and validates an EncryptionConfiguration file (YAML or JSON) and builds its providers.
/// Throws ConfigError; never half-applies a configuration.
ProviderSet load_provider_set(const std::string& path, const ProviderDeps& deps);

}  // namespace kmslab::apiserver::encryption
