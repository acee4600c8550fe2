#pragma once
// How the report writes numbers and times for people (not for machines: the JSON has those).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kmslab::scenario::report {

/// "850 ms", "1.2 s", "2 min 03 s", "1 h 02 min".
std::string format_duration_ms(int64_t ms);
/// A clock jump as the scenario files write durations: "+4m", "+1h30m", "+400d", "-1h", "+250ms".
std::string format_jump_ms(int64_t ms);
/// Milliseconds since the Unix epoch of an RFC 3339 time, nullopt when it is not one.
std::optional<int64_t> parse_time_ms(std::string_view rfc3339);
/// "14:03:07" (UTC) and "2026-01-01" of a time from parse_time_ms.
std::string time_of_day(int64_t epoch_ms);
std::string date_of(int64_t epoch_ms);
/// `text` quoted for a POSIX shell when it needs quoting (the re-run command is copy-pasted).
std::string shell_quoted(std::string_view text);

}  // namespace kmslab::scenario::report
