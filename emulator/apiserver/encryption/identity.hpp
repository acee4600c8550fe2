#pragma once
// identity: values stored as they are; a read of anything that looks encrypted ("k8s:enc:") fails
// so the prefix transformer moves on to the next provider ([AS] encrypt/identity, kms.md §2.1).
#include "emulator/apiserver/encryption/transformer.hpp"

namespace kmslab::apiserver::encryption {

inline constexpr std::string_view kEncryptedPrefix = "k8s:enc:";

class IdentityTransformer final : public Transformer {
 public:
  FromStorage from_storage(std::string_view stored, std::string_view context) override;
  std::string to_storage(std::string_view plain, std::string_view context) override;
};

}  // namespace kmslab::apiserver::encryption
