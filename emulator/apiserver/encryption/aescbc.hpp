#pragma once
// aescbc: IV(16 random) || AES-CBC(plaintext || PKCS#7), no authenticated data
// ([AS] encrypt/aes/aes.go cbc, kms.md §2.1). Also the legacy (<= 1.24) KMS v1 payload.
#include <string>

#include "emulator/apiserver/encryption/transformer.hpp"

namespace kmslab::core {
class Rng;
}

namespace kmslab::apiserver::encryption {

class CbcTransformer final : public Transformer {
 public:
  /// `key` is 16, 24 or 32 bytes.
  CbcTransformer(std::string key, core::Rng& rng);
  FromStorage from_storage(std::string_view stored, std::string_view context) override;
  std::string to_storage(std::string_view plain, std::string_view context) override;

 private:
  std::string key_;
  core::Rng& rng_;
};

}  // namespace kmslab::apiserver::encryption
