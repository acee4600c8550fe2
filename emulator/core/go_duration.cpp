#include "emulator/core/go_duration.hpp"

#include <cstdint>

namespace kmslab::core {

namespace {

// The time package's own quote(): bytes outside printable ASCII as \xHH, `"` and `\` escaped.
std::string time_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x80) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// The unit's length in nanoseconds, 0 when Go does not know it.
uint64_t go_unit(std::string_view u) {
  if (u == "ns") return 1;
  if (u == "us" || u == "\xc2\xb5s" || u == "\xce\xbcs") return 1'000;
  if (u == "ms") return 1'000'000;
  if (u == "s") return 1'000'000'000;
  if (u == "m") return 60'000'000'000;
  if (u == "h") return 3'600'000'000'000;
  return 0;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

// time.ParseDuration (time/format.go), step by step, with its three error texts.
std::variant<Duration, std::string> parse_go_duration(std::string_view s) {
  const std::string invalid = "time: invalid duration " + time_quote(s);
  const std::string_view orig = s;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration(0);
  if (s.empty()) return invalid;
  constexpr uint64_t kMax = uint64_t{1} << 63;
  uint64_t total = 0;
  while (!s.empty()) {
    if (s[0] != '.' && !is_digit(s[0])) return invalid;
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (v > kMax / 10) return invalid;  // leadingInt's overflow
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > kMax) return invalid;
    }
    const bool pre = i > 0;
    s.remove_prefix(i);
    uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      bool overflow = false;
      for (; j < s.size() && is_digit(s[j]); ++j) {
        if (overflow || f > (kMax - 1) / 10) {
          overflow = true;  // leadingFraction: further digits are dropped
          continue;
        }
        f = f * 10 + static_cast<uint64_t>(s[j] - '0');
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return invalid;
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !is_digit(s[u])) ++u;
    if (u == 0) return "time: missing unit in duration " + time_quote(orig);
    const std::string_view name = s.substr(0, u);
    s.remove_prefix(u);
    const uint64_t unit = go_unit(name);
    if (unit == 0)
      return "time: unknown unit " + time_quote(name) + " in duration " + time_quote(orig);
    if (v > kMax / unit) return invalid;
    v *= unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kMax) return invalid;
    }
    total += v;
    if (total > kMax) return invalid;
  }
  using ns = std::chrono::nanoseconds;
  if (neg) {
    return std::chrono::duration_cast<Duration>(total == kMax ? ns::min()
                                                              : ns(-static_cast<int64_t>(total)));
  }
  if (total > kMax - 1) return invalid;
  return std::chrono::duration_cast<Duration>(ns(static_cast<int64_t>(total)));
}

}  // namespace kmslab::core
