#pragma once
// A stand-in until the encryption layer's identity_provider_set() lands: every resource stored
// as plaintext. Replace its uses with encryption::identity_provider_set().registry.
#include <memory>

#include "emulator/apiserver/encryption/transformer.hpp"

namespace kmslab::apiserver::storage {

/// identity: plaintext as is; refuses to "read" data that an encrypting provider wrote, with
/// kube-apiserver's message (reference kms.md §2.1).
class PlainIdentityTransformer final : public encryption::Transformer {
 public:
  encryption::FromStorage from_storage(std::string_view stored, std::string_view) override {
    if (stored.starts_with("k8s:enc:"))
      throw encryption::TransformError("identity transformer tried to read encrypted data");
    return {std::string(stored), false};
  }
  std::string to_storage(std::string_view plain, std::string_view) override {
    return std::string(plain);
  }
};

class PlainIdentityRegistry final : public encryption::TransformerRegistry {
 public:
  std::shared_ptr<encryption::Transformer> for_resource(std::string_view) const override {
    return transformer_;
  }

 private:
  std::shared_ptr<encryption::Transformer> transformer_ =
      std::make_shared<PlainIdentityTransformer>();
};

}  // namespace kmslab::apiserver::storage
