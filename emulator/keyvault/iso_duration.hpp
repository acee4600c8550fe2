#pragma once
// ISO 8601 durations as rotation policies write them: "P90D", "P2Y", "P1Y6M", "PT12H", "P2W".
#include <chrono>
#include <optional>
#include <string_view>

namespace kmslab::keyvault {

/// Years count 365 days and months 30 days (how Key Vault converts them is unverified).
/// nullopt for anything that is not a duration, or a zero one.
std::optional<std::chrono::seconds> parse_iso_duration(std::string_view text);

}  // namespace kmslab::keyvault
