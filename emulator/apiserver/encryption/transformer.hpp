#pragma once
// The one storage-transformer interface of the simulated kube-apiserver, after kube-apiserver's
// k8s.io/apiserver/pkg/storage/value.Transformer (reference kms.md §2). Each provider (identity,
// aescbc, aesgcm, secretbox, KMS v1, KMS v2) lives in its own file beside this one; the prefix
// transformer built from an EncryptionConfiguration picks the reader by the stored value's prefix
// and writes with the first provider.
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kmslab::apiserver::encryption {

/// A value that cannot be transformed. `what()` is kube-apiserver's own text for the case, so the
/// storage layer can put it verbatim in the 500 Status it answers.
class TransformError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FromStorage {
  std::string data;
  /// True when the value should be rewritten: read by a provider other than the write provider,
  /// or (KMS) under a key other than the current one. Drives the no-op update rule (§2.4).
  bool stale = false;
};

class Transformer {
 public:
  virtual ~Transformer() = default;
  /// `context` is the authenticated data: the object's storage key, e.g.
  /// "/registry/secrets/default/s1" (§2.3). Throws TransformError.
  virtual FromStorage from_storage(std::string_view stored, std::string_view context) = 0;
  /// Throws TransformError (for KMS, e.g. when the plugin is unhealthy or refuses).
  virtual std::string to_storage(std::string_view plain, std::string_view context) = 0;
};

/// Which transformer serves a resource: "secrets", "configmaps", "deployments.apps", ...
/// (the group-resource of kube-apiserver's EncryptionConfiguration resources lists).
class TransformerRegistry {
 public:
  virtual ~TransformerRegistry() = default;
  virtual std::shared_ptr<Transformer> for_resource(std::string_view group_resource) const = 0;
};

}  // namespace kmslab::apiserver::encryption
