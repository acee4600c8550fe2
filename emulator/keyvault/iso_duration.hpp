#pragma once
// ISO 8601 durations as rotation policies write them: "P90D", "P2Y", "P1Y6M", "PT12H", "P2W".
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kmslab::keyvault {

/// A duration's length for comparisons (policy minimums): years count 365 days and months 30.
/// nullopt for anything that is not a duration, or a zero one.
std::optional<std::chrono::seconds> parse_iso_duration(std::string_view text);

/// `unix_seconds` moved by the duration (`sign` +1 forward, -1 back), years and months on the
/// calendar: the service gave a version rotated at 2022-11-17 under expiryTime "P48M" an exp
/// 126230400 s (1461 days) later, four calendar years (recorded-keyvault.md §3, C:K.RotateKey).
/// Day-of-month overflow clamps to the month's last day. nullopt for a malformed duration.
std::optional<int64_t> shift_by_iso_duration(int64_t unix_seconds, std::string_view text,
                                             int sign = 1);

}  // namespace kmslab::keyvault
