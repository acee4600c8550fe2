#pragma once
// The prefix transformer ([AS] storage/value/transformer.go prefixTransformers, kms.md §2.2):
// writes with the first entry (its prefix + its output); reads with every entry whose prefix
// begins the value, in order, the first success winning and stale unless it was entry 0. The
// same shape selects a provider ("k8s:enc:aesgcm:v1:") and, inside one, a key ("key1:").
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "emulator/apiserver/encryption/transformer.hpp"

namespace kmslab::apiserver::encryption {

struct PrefixEntry {
  std::string prefix;  // empty for identity
  std::shared_ptr<Transformer> transformer;
};

/// Called once per transformation: (transformation_type, transformer_prefix, status, seconds),
/// status "OK" or the failure's gRPC code name ("Unknown" for errors that carry none), as
/// kube-apiserver labels apiserver_storage_transformation_operations_total; seconds since the
/// transformation began (apiserver_storage_transformation_duration_seconds).
using TransformObserver = std::function<void(std::string_view type, std::string_view prefix,
                                             std::string_view status, double seconds)>;

class PrefixTransformer final : public Transformer {
 public:
  /// `no_match` is the error when no entry matches: "no matching prefix found" for providers,
  /// "no matching key was found for the provided AES transformer" for keys.
  PrefixTransformer(std::vector<PrefixEntry> entries, std::string no_match,
                    TransformObserver observer = {});
  FromStorage from_storage(std::string_view stored, std::string_view context) override;
  std::string to_storage(std::string_view plain, std::string_view context) override;
  /// The same entries, reporting to another observer (one per resource a wildcard rule serves).
  std::shared_ptr<PrefixTransformer> with_observer(TransformObserver observer) const;

 private:
  std::vector<PrefixEntry> entries_;
  std::string no_match_;
  TransformObserver observer_;
};

/// Go's utilerrors aggregate text: one message as it is, several as "[a, b]" (duplicates once).
std::string aggregate(const std::vector<std::string>& errors);

}  // namespace kmslab::apiserver::encryption
