#include "emulator/keyvault/iso_duration.hpp"

#include <cctype>

namespace kmslab::keyvault {

std::optional<std::chrono::seconds> parse_iso_duration(std::string_view s) {
  if (s.size() < 3 || (s[0] != 'P' && s[0] != 'p')) return std::nullopt;
  int64_t total = 0;
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
    int64_t seconds = 0;
    if (!in_time && unit == 'Y')
      seconds = 365 * 86400;
    else if (!in_time && unit == 'M')
      seconds = 30 * 86400;
    else if (!in_time && unit == 'W')
      seconds = 7 * 86400;
    else if (!in_time && unit == 'D')
      seconds = 86400;
    else if (in_time && unit == 'H')
      seconds = 3600;
    else if (in_time && unit == 'M')
      seconds = 60;
    else if (in_time && unit == 'S')
      seconds = 1;
    else
      return std::nullopt;
    total += n * seconds;
    any = true;
    time_part = time_part || in_time;
  }
  if (!any || total <= 0 || (in_time && !time_part)) return std::nullopt;
  return std::chrono::seconds(total);
}

}  // namespace kmslab::keyvault
