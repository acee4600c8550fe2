#pragma once
// aesgcm: nonce(12) || AES-GCM(plaintext) || tag(16), AAD = the storage key
// ([AS] encrypt/aes/aes.go gcm, kms.md §2.1). The same layout carries KMS v1 (GCM) payloads and
// KMS v2 type-0 payloads; the nonce is random, or for KMS v2 type 0 as written by 1.27-1.28,
// 4 random bytes || a little-endian u64 counter starting after 1,000,000,000 (kms.md §4.2).
#include <atomic>
#include <cstdint>
#include <string>

#include "emulator/apiserver/encryption/transformer.hpp"

namespace kmslab::core {
class Rng;
}

namespace kmslab::apiserver::encryption {

class GcmTransformer final : public Transformer {
 public:
  enum class Nonce { kRandom, kCounter };
  /// `key` is 16, 24 or 32 bytes (else TransformError with Go's text).
  GcmTransformer(std::string key, core::Rng& rng, Nonce nonce = Nonce::kRandom);
  FromStorage from_storage(std::string_view stored, std::string_view context) override;
  std::string to_storage(std::string_view plain, std::string_view context) override;

 private:
  std::string next_nonce();

  std::string key_;
  core::Rng& rng_;
  Nonce mode_;
  std::string counter_prefix_;  // the 4 random bytes of the counter layout
  std::atomic<uint64_t> counter_{1'000'000'000};
};

}  // namespace kmslab::apiserver::encryption
