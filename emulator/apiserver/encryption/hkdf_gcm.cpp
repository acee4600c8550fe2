#include "emulator/apiserver/encryption/hkdf_gcm.hpp"

#include "emulator/apiserver/encryption/aesgcm.hpp"
#include "emulator/apiserver/encryption/crypto.hpp"

namespace kmslab::apiserver::encryption {

HkdfGcmTransformer::HkdfGcmTransformer(std::string seed, core::Rng& rng)
    : seed_(std::move(seed)), rng_(rng) {
  if (seed_.size() < kSeedSize)
    throw TransformError("invalid seed length " + std::to_string(seed_.size()) +
                         " used for key generation");
}

FromStorage HkdfGcmTransformer::from_storage(std::string_view stored, std::string_view context) {
  if (stored.size() < kInfoSize)
    throw TransformError("the stored data was shorter than the required size");
  GcmTransformer gcm(hkdf_sha256_expand(seed_, stored.substr(0, kInfoSize), 32), rng_);
  return gcm.from_storage(stored.substr(kInfoSize), context);
}

std::string HkdfGcmTransformer::to_storage(std::string_view plain, std::string_view context) {
  std::string info = random_bytes(rng_, kInfoSize);
  GcmTransformer gcm(hkdf_sha256_expand(seed_, info, 32), rng_);
  return info + gcm.to_storage(plain, context);
}

}  // namespace kmslab::apiserver::encryption
