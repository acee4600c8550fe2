#include "emulator/apiserver/encryption/aesgcm.hpp"

#include <cstdlib>

#include "emulator/apiserver/encryption/crypto.hpp"

namespace kmslab::apiserver::encryption {

GcmTransformer::GcmTransformer(std::string key, core::Rng& rng, Nonce nonce)
    : key_(std::move(key)), rng_(rng), mode_(nonce) {
  if (!valid_aes_key_size(key_.size())) throw TransformError(aes_key_size_error(key_.size()));
  if (mode_ == Nonce::kCounter) counter_prefix_ = random_bytes(rng_, 4);
}

std::string GcmTransformer::next_nonce() {
  if (mode_ == Nonce::kRandom) return random_bytes(rng_, kGcmNonceSize);
  const uint64_t n = ++counter_;
  // kube-apiserver exits (klog.Fatal "aes-gcm detected nonce overflow") rather than reuse a nonce.
  if (n == 0) std::abort();
  std::string nonce = counter_prefix_;
  for (int i = 0; i < 8; ++i) nonce.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return nonce;
}

FromStorage GcmTransformer::from_storage(std::string_view stored, std::string_view context) {
  if (stored.size() < kGcmNonceSize)
    throw TransformError("the stored data was shorter than the required size");
  return {gcm_open(key_, stored.substr(0, kGcmNonceSize), stored.substr(kGcmNonceSize), context),
          false};
}

std::string GcmTransformer::to_storage(std::string_view plain, std::string_view context) {
  return gcm_seal(key_, next_nonce(), plain, context);
}

}  // namespace kmslab::apiserver::encryption
