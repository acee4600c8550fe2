#pragma once
// KMS v2 type 1 (HKDF_SHA256_XNONCE_AES_GCM_SEED, 1.29+): per write, info = 32 random bytes,
// DEK = HKDF-Expand(SHA-256, seed, info, 32), then AES-256-GCM with a random nonce and AAD = the
// storage key; encryptedData = info || nonce || ct || tag ([AS] aes/aes_extended_nonce.go,
// kms.md §4.2). kube-apiserver memoises the derived key per storage key for 10 minutes; that
// saves CPU only and is not copied here.
#include <string>

#include "emulator/apiserver/encryption/transformer.hpp"

namespace kmslab::core {
class Rng;
}

namespace kmslab::apiserver::encryption {

inline constexpr size_t kSeedSize = 32;
inline constexpr size_t kInfoSize = 32;

class HkdfGcmTransformer final : public Transformer {
 public:
  /// Throws TransformError("invalid seed length N used for key generation") under 32 bytes.
  HkdfGcmTransformer(std::string seed, core::Rng& rng);
  FromStorage from_storage(std::string_view stored, std::string_view context) override;
  std::string to_storage(std::string_view plain, std::string_view context) override;

 private:
  std::string seed_;
  core::Rng& rng_;
};

}  // namespace kmslab::apiserver::encryption
