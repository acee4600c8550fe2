// aescbc and aesgcm stored values (after "k8s:enc:aes...:v1:<key>:"): the first byte picks the
// provider and key size, the rest is the value.
#include <cstdint>
#include <string_view>

#include "emulator/apiserver/encryption/aescbc.hpp"
#include "emulator/apiserver/encryption/aesgcm.hpp"
#include "emulator/core/rng.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kmslab::apiserver::encryption;
  if (size == 0) return 0;
  static kmslab::core::SeededRng rng(1);
  const size_t key_size = 16 + 8 * (data[0] % 3);
  const std::string key(key_size, 'k');
  const std::string_view value(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if (data[0] & 0x80) {
      CbcTransformer(key, rng).from_storage(value, "/registry/secrets/ns/name");
    } else {
      GcmTransformer(key, rng).from_storage(value, "/registry/secrets/ns/name");
    }
  } catch (const TransformError&) {
  }
  return 0;
}
