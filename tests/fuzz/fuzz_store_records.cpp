// What kmslab reads back from its store: key records, key metadata, key material and the token
// signing key. A corrupt record must raise an error, never crash.
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "emulator/identity/signing_key.hpp"
#include "emulator/keyvault/crypto/key_material.hpp"
#include "emulator/keyvault/key_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kmslab;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_discarded()) {
    try {
      keyvault::KeyVersion::from_json(json);
    } catch (const nlohmann::json::exception&) {
    }
    try {
      keyvault::KeyMeta::from_json(json);
    } catch (const nlohmann::json::exception&) {
    }
  }
  try {
    keyvault::crypto::KeyMaterial::deserialize(text);
  } catch (const std::runtime_error&) {
  }
  identity::SigningKey::from_record(text);
  return 0;
}
