#pragma once
// SHA-256 of a string as 64 lower-case hex digits (names derived from ids, fingerprints).
#include <string>
#include <string_view>

namespace kmslab::core {

std::string sha256_hex(std::string_view text);

}  // namespace kmslab::core
