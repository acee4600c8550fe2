// EncryptionConfiguration decoding and validation of anything: a ConfigError or a configuration,
// never a crash.
#include <cstdint>
#include <string_view>

#include "emulator/apiserver/encryption/config.hpp"
#include "emulator/apiserver/encryption/provider_set.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kmslab::apiserver::encryption;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto c = decode_encryption_configuration(text, "fuzz.yaml");
    validate_encryption_configuration(c, false);
    validate_encryption_configuration(c, true);
  } catch (const ConfigError&) {
  }
  return 0;
}
