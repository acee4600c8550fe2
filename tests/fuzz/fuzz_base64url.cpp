// base64url decoding of anything, and the round trip of whatever decodes.
#include <cstdint>
#include <string_view>

#include "emulator/core/base64url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto bytes = kmslab::core::base64url_decode(text)) {
    const auto again = kmslab::core::base64url_decode(kmslab::core::base64url_encode(*bytes));
    if (!again || *again != *bytes) __builtin_trap();
  }
  if (auto bytes = kmslab::core::base64_decode(text)) {
    if (kmslab::core::base64_decode(kmslab::core::base64_encode(*bytes)) != *bytes) {
      __builtin_trap();
    }
  }
  return 0;
}
