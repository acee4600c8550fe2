// secretbox stored values (after "k8s:enc:secretbox:v1:<key>:"): nonce(24) || NaCl box.
#include <cstdint>
#include <string_view>

#include "emulator/apiserver/encryption/secretbox.hpp"
#include "emulator/core/rng.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kmslab::apiserver::encryption;
  static kmslab::core::SeededRng rng(1);
  static SecretboxTransformer t(std::string(32, 'k'), rng);
  try {
    t.from_storage({reinterpret_cast<const char*>(data), size}, "/registry/secrets/ns/name");
  } catch (const TransformError&) {
  }
  return 0;
}
