#pragma once
// Parsing JSON that comes from outside (request bodies, token segments). nlohmann parses deep
// nesting without recursion, but printing or walking a value recurses, so a body nested a million
// levels deep would overflow the stack later: such input is refused here, at the door.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace kmslab::core {

inline constexpr int kMaxJsonDepth = 64;

/// The parsed value, or a discarded value (is_discarded()) when `text` is not JSON or nests
/// deeper than `max_depth` arrays/objects.
nlohmann::json parse_untrusted_json(std::string_view text, int max_depth = kMaxJsonDepth);

/// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
/// U+10FFFF): what nlohmann's dump() needs of any string it writes, so request values that will
/// be echoed into JSON (or a token's claims) are checked with this first.
bool valid_utf8(std::string_view text);

/// valid_utf8 of every name and value (decoded query or form parameters).
bool valid_utf8(const std::map<std::string, std::string>& parameters);

}  // namespace kmslab::core
