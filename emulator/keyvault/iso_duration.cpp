#include "emulator/keyvault/iso_duration.hpp"

#include <cctype>

namespace kmslab::keyvault {

namespace {

struct Parts {
  int64_t months = 0;   // years x 12 + months: calendar units
  int64_t seconds = 0;  // weeks, days and the time part: fixed units
  int64_t approx = 0;   // the length with 365-day years and 30-day months
};

std::optional<Parts> parse_parts(std::string_view s) {
  if (s.size() < 3 || (s[0] != 'P' && s[0] != 'p')) return std::nullopt;
  Parts parts;
  bool in_time = false;
  bool any = false;
  bool time_part = false;  // a "T" must be followed by at least one time component
  for (size_t i = 1; i < s.size();) {
    if (s[i] == 'T' || s[i] == 't') {
      if (in_time) return std::nullopt;
      in_time = true;
      ++i;
      continue;
    }
    int64_t n = 0;
    const size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (n > 100'000'000) return std::nullopt;
      n = n * 10 + (s[i++] - '0');
    }
    if (i == start || i == s.size()) return std::nullopt;
    const char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i++])));
    int64_t months = 0, fixed = 0;
    if (!in_time && unit == 'Y')
      months = 12 * n;
    else if (!in_time && unit == 'M')
      months = n;
    else if (!in_time && unit == 'W')
      fixed = n * 7 * 86400;
    else if (!in_time && unit == 'D')
      fixed = n * 86400;
    else if (in_time && unit == 'H')
      fixed = n * 3600;
    else if (in_time && unit == 'M')
      fixed = n * 60;
    else if (in_time && unit == 'S')
      fixed = n;
    else
      return std::nullopt;
    parts.months += months;
    parts.seconds += fixed;
    parts.approx += fixed + (unit == 'Y' ? n * 365 * 86400 : months * 30 * 86400);
    any = true;
    time_part = time_part || in_time;
  }
  if (!any || parts.months + parts.seconds <= 0 || (in_time && !time_part)) return std::nullopt;
  return parts;
}

int64_t add_months(int64_t unix_seconds, int64_t months) {
  using namespace std::chrono;
  const sys_seconds t{seconds(unix_seconds)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const year_month ym = year_month(ymd.year(), ymd.month()) + std::chrono::months(months);
  const auto last = year_month_day_last(ym.year(), month_day_last(ym.month())).day();
  const year_month_day moved{ym.year(), ym.month(), ymd.day() > last ? last : ymd.day()};
  return duration_cast<seconds>((sys_days(moved) + (t - day)).time_since_epoch()).count();
}

}  // namespace

std::optional<std::chrono::seconds> parse_iso_duration(std::string_view text) {
  const auto parts = parse_parts(text);
  if (!parts) return std::nullopt;
  return std::chrono::seconds(parts->approx);
}

std::optional<int64_t> shift_by_iso_duration(int64_t unix_seconds, std::string_view text,
                                             int sign) {
  const auto parts = parse_parts(text);
  if (!parts) return std::nullopt;
  return add_months(unix_seconds, sign * parts->months) + sign * parts->seconds;
}

}  // namespace kmslab::keyvault
