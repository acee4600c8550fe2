#pragma once
// secretbox: nonce(24 random) || NaCl secretbox (XSalsa20-Poly1305: tag(16) || ciphertext), key
// 32 bytes, no authenticated data ([AS] encrypt/secretbox, kms.md §2.1). libsodium's
// crypto_secretbox_easy is byte-identical to Go's golang.org/x/crypto/nacl/secretbox.Seal.
#include <string>

#include "emulator/apiserver/encryption/transformer.hpp"

namespace kmslab::core {
class Rng;
}

namespace kmslab::apiserver::encryption {

inline constexpr size_t kSecretboxNonceSize = 24;
inline constexpr size_t kSecretboxKeySize = 32;

class SecretboxTransformer final : public Transformer {
 public:
  /// `key` is 32 bytes (else TransformError).
  SecretboxTransformer(std::string key, core::Rng& rng);
  FromStorage from_storage(std::string_view stored, std::string_view context) override;
  std::string to_storage(std::string_view plain, std::string_view context) override;

 private:
  std::string key_;
  core::Rng& rng_;
};

}  // namespace kmslab::apiserver::encryption
