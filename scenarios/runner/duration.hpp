#pragma once
// Go-style durations as scenario files write them ("500ms", "10s", "1h30m"; also "2d" for the
// long clock moves scenarios make, which the admin API accepts too).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kmslab::scenario {

/// nullopt for anything malformed (empty, no unit, unknown unit, overflow). Fractions allowed
/// ("1.5s"); below a millisecond rounds down.
std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view text);

/// "1h30m", "250ms", "0s": the shortest Go-style form of `d`.
std::string format_duration(std::chrono::milliseconds d);

}  // namespace kmslab::scenario
