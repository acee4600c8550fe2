#include "scenarios/runner/duration.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <utility>

namespace kmslab::scenario {

namespace {

// Unit -> milliseconds (long units first so "ms" is not read as "m" then "s").
constexpr std::array<std::pair<std::string_view, double>, 7> kUnits{{{"ns", 1e-6},
                                                                     {"us", 1e-3},
                                                                     {"ms", 1.0},
                                                                     {"s", 1e3},
                                                                     {"m", 60e3},
                                                                     {"h", 3600e3},
                                                                     {"d", 86400e3}}};

}  // namespace

std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    bool dot = false;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || (text[i] == '.' && !dot))) {
      dot = dot || text[i] == '.';
      ++i;
    }
    const std::string number(text.substr(start, i - start));
    if (number.empty() || number == ".") return std::nullopt;
    double factor = 0;
    for (const auto& [unit, ms] : kUnits) {
      if (text.substr(i, unit.size()) == unit) {
        factor = ms;
        i += unit.size();
        break;
      }
    }
    if (factor == 0) return std::nullopt;
    total += std::strtod(number.c_str(), nullptr) * factor;
    if (total > 1e15) return std::nullopt;  // ~31000 years: a typo, not a duration
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::floor(total)));
}

std::string format_duration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  const int64_t h = ms / 3'600'000, m = ms / 60'000 % 60, s = ms / 1000 % 60, rest = ms % 1000;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s) out += std::to_string(s) + "s";
  if (rest) out += std::to_string(rest) + "ms";
  return out;
}

}  // namespace kmslab::scenario
