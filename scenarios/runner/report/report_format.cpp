#include "scenarios/runner/report/report_format.hpp"

#include <chrono>
#include <cstdio>

#include "emulator/core/clock.hpp"

namespace kmslab::scenario::report {
namespace {

std::string printed(const char* format, auto... values) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, values...);
  return buffer;
}

}  // namespace

std::string format_duration_ms(int64_t ms) {
  if (ms < 0) return "-" + format_duration_ms(ms == INT64_MIN ? INT64_MAX : -ms);
  if (ms < 1000) return printed("%lld ms", static_cast<long long>(ms));
  if (ms < 60'000) return printed("%.1f s", static_cast<double>(ms) / 1000.0);
  const long long seconds = ms / 1000;
  if (seconds < 3600) return printed("%lld min %02lld s", seconds / 60, seconds % 60);
  return printed("%lld h %02lld min", seconds / 3600, (seconds % 3600) / 60);
}

std::string format_jump_ms(int64_t ms) {
  const bool back = ms < 0;
  // An unsigned magnitude: INT64_MIN has no positive counterpart.
  uint64_t rest = back ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  std::string out = back ? "-" : "+";
  if (rest == 0) return out + "0s";
  static constexpr struct {
    uint64_t ms;
    const char* unit;
  } kUnits[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& unit : kUnits) {
    if (rest >= unit.ms) {
      out += std::to_string(rest / unit.ms) + unit.unit;
      rest %= unit.ms;
    }
  }
  return out;
}

std::optional<int64_t> parse_time_ms(std::string_view rfc3339) {
  // system_clock counts nanoseconds in 64 bits (years 1678..2261): a year outside is refused here
  // rather than overflowing in the conversion.
  int year = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (i >= rfc3339.size() || rfc3339[i] < '0' || rfc3339[i] > '9') return std::nullopt;
    year = year * 10 + (rfc3339[i] - '0');
  }
  if (year < 1700 || year > 2250) return std::nullopt;
  const auto t = core::parse_rfc3339(rfc3339);
  if (!t) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

std::string time_of_day(int64_t epoch_ms) {
  // format_rfc3339 writes "YYYY-MM-DDTHH:MM:SSZ" (seconds precision).
  const auto text = core::format_rfc3339(core::TimePoint(std::chrono::milliseconds(epoch_ms)));
  const auto t = text.find('T');
  return t == std::string::npos ? text : text.substr(t + 1, 8);
}

std::string date_of(int64_t epoch_ms) {
  const auto text = core::format_rfc3339(core::TimePoint(std::chrono::milliseconds(epoch_ms)));
  return text.substr(0, text.find('T'));
}

std::string shell_quoted(std::string_view text) {
  const bool plain = !text.empty() && text.find_first_not_of(
                                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789-_./:=@+,") == std::string_view::npos;
  if (plain) return std::string(text);
  std::string out = "'";
  for (const char c : text) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

}  // namespace kmslab::scenario::report
