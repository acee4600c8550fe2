#include "emulator/apiserver/encryption/aescbc.hpp"

#include "emulator/apiserver/encryption/crypto.hpp"

namespace kmslab::apiserver::encryption {

CbcTransformer::CbcTransformer(std::string key, core::Rng& rng) : key_(std::move(key)), rng_(rng) {
  if (!valid_aes_key_size(key_.size())) throw TransformError(aes_key_size_error(key_.size()));
}

FromStorage CbcTransformer::from_storage(std::string_view stored, std::string_view) {
  if (stored.size() < kAesBlockSize)
    throw TransformError("the stored data was shorter than the required size");
  std::string_view iv = stored.substr(0, kAesBlockSize), data = stored.substr(kAesBlockSize);
  if (data.size() % kAesBlockSize != 0)
    throw TransformError("the stored data is not a multiple of the block size");
  std::string out = cbc_decrypt_blocks(key_, iv, data);
  // Go checks the padding after decrypting; an empty payload reads its "last byte" as 0.
  const size_t pad = out.empty() ? 0 : static_cast<unsigned char>(out.back());
  if (pad == 0 || pad > out.size())
    throw TransformError("invalid PKCS7 data (empty or not padded)");
  for (size_t i = out.size() - pad; i < out.size(); ++i)
    if (static_cast<unsigned char>(out[i]) != pad) throw TransformError("invalid padding on input");
  out.resize(out.size() - pad);
  return {std::move(out), false};
}

std::string CbcTransformer::to_storage(std::string_view plain, std::string_view) {
  const size_t pad = kAesBlockSize - plain.size() % kAesBlockSize;
  std::string padded(plain);
  padded.append(pad, static_cast<char>(pad));
  std::string iv = random_bytes(rng_, kAesBlockSize);
  return iv + cbc_encrypt_blocks(key_, iv, padded);
}

}  // namespace kmslab::apiserver::encryption
