#pragma once
// Parsing JSON that comes from outside (request bodies, token segments). nlohmann parses deep
// nesting without recursion, but printing or walking a value recurses, so a body nested a million
// levels deep would overflow the stack later: such input is refused here, at the door.
#include <nlohmann/json.hpp>
#include <string_view>

namespace kmslab::core {

inline constexpr int kMaxJsonDepth = 64;

/// The parsed value, or a discarded value (is_discarded()) when `text` is not JSON or nests
/// deeper than `max_depth` arrays/objects.
nlohmann::json parse_untrusted_json(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace kmslab::core
