// JWT parsing and validation: any bytes as a bearer token.
#include <cstdint>
#include <string_view>

#include "emulator/core/clock.hpp"
#include "emulator/identity/jwt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kmslab;
  static const identity::SigningKey key = identity::SigningKey::generate();
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  identity::jwt::decode_unverified(token);
  const auto result = identity::jwt::verify(token, key, core::TimePoint(std::chrono::seconds(1)));
  // Nothing the fuzzer writes carries a valid signature of this key.
  if (result.ok()) __builtin_trap();
  return 0;
}
