#include "emulator/apiserver/encryption/secretbox.hpp"

#include <sodium.h>

#include <stdexcept>

#include "emulator/apiserver/encryption/crypto.hpp"

namespace kmslab::apiserver::encryption {

SecretboxTransformer::SecretboxTransformer(std::string key, core::Rng& rng)
    : key_(std::move(key)), rng_(rng) {
  if (key_.size() != kSecretboxKeySize)
    throw TransformError("expected key size 32 for secretbox provider, got " +
                         std::to_string(key_.size()));
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  static_assert(crypto_secretbox_NONCEBYTES == kSecretboxNonceSize);
  static_assert(crypto_secretbox_KEYBYTES == kSecretboxKeySize);
}

FromStorage SecretboxTransformer::from_storage(std::string_view stored, std::string_view) {
  if (stored.size() < crypto_secretbox_MACBYTES + kSecretboxNonceSize)
    throw TransformError("the stored data was shorter than the required size");
  const auto* nonce = reinterpret_cast<const unsigned char*>(stored.data());
  std::string_view box = stored.substr(kSecretboxNonceSize);
  std::string out(box.size() - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()),
                                 reinterpret_cast<const unsigned char*>(box.data()), box.size(),
                                 nonce, reinterpret_cast<const unsigned char*>(key_.data())) != 0)
    // Go's text for a failed open, misleading as it is ([AS] secretbox.go).
    throw TransformError("output array was not large enough for encryption");
  return {std::move(out), false};
}

std::string SecretboxTransformer::to_storage(std::string_view plain, std::string_view) {
  std::string out = random_bytes(rng_, kSecretboxNonceSize);
  out.resize(kSecretboxNonceSize + crypto_secretbox_MACBYTES + plain.size());
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(out.data()) + kSecretboxNonceSize,
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                        reinterpret_cast<const unsigned char*>(out.data()),
                        reinterpret_cast<const unsigned char*>(key_.data()));
  return out;
}

}  // namespace kmslab::apiserver::encryption
