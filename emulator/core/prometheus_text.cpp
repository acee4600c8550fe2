#include "emulator/core/prometheus_text.hpp"

#include <charconv>
#include <cstdint>
#include <cstdlib>

namespace kmslab::core {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
bool is_alpha_(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// One line, read left to right; every reader returns false on what expfmt calls a text format
// parsing error, and the caller drops the line.
struct Line {
  std::string_view s;
  size_t i = 0;

  bool done() const { return i >= s.size(); }
  char peek() const { return s[i]; }
  void skip_blanks() {
    while (!done() && is_blank(peek())) ++i;
  }
  std::string_view token() {
    const size_t start = i;
    while (!done() && !is_blank(peek())) ++i;
    return s.substr(start, i - start);
  }
  // Metric names may hold ':', label names may not.
  bool name(std::string& out, bool colons) {
    const size_t start = i;
    const auto ok = [&](char c, bool first) {
      return is_alpha_(c) || (colons && c == ':') || (!first && is_digit(c));
    };
    while (!done() && ok(peek(), i == start)) ++i;
    out.assign(s.substr(start, i - start));
    return !out.empty();
  }
  bool quoted(std::string& out) {
    if (done() || peek() != '"') return false;
    for (++i; !done(); ++i) {
      const char c = peek();
      if (c == '"') {
        ++i;
        return true;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (++i >= s.size()) return false;
      const char e = peek();
      if (e != '\\' && e != '"' && e != 'n') return false;
      out += e == 'n' ? '\n' : e;
    }
    return false;
  }
  bool labels(std::map<std::string, std::string>& out) {
    ++i;  // '{'
    while (true) {
      skip_blanks();
      if (done()) return false;
      if (peek() == '}') break;
      std::string label, value;
      if (!name(label, false)) return false;
      skip_blanks();
      if (done() || peek() != '=') return false;
      ++i;
      skip_blanks();
      if (!quoted(value) || !out.emplace(std::move(label), std::move(value)).second) return false;
      skip_blanks();
      if (done()) return false;
      if (peek() == ',') {
        ++i;
      } else if (peek() != '}') {
        return false;
      }
    }
    ++i;  // '}'
    return true;
  }
};

// Go's strconv.ParseFloat: the whole token, decimal or hex, Inf/NaN in any case; strtod reads
// the same forms except "nan(...)", which Go refuses.
std::optional<double> parse_float(std::string_view t) {
  if (t.empty() || t.find('(') != std::string_view::npos) return std::nullopt;
  const std::string s(t);
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

bool is_int64(std::string_view t) {
  if (!t.empty() && t[0] == '+') t.remove_prefix(1);
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  return !t.empty() && ec == std::errc() && ptr == t.data() + t.size();
}

std::optional<Sample> parse_line(std::string_view text) {
  Line line{text};
  line.skip_blanks();
  if (line.done() || line.peek() == '#') return std::nullopt;
  Sample sample;
  if (!line.name(sample.name, true)) return std::nullopt;
  line.skip_blanks();
  if (!line.done() && line.peek() == '{' && !line.labels(sample.labels)) return std::nullopt;
  line.skip_blanks();
  const auto value = parse_float(line.token());
  if (!value) return std::nullopt;
  sample.value = *value;
  line.skip_blanks();
  if (!line.done() && !is_int64(line.token())) return std::nullopt;
  line.skip_blanks();
  if (!line.done()) return std::nullopt;
  return sample;
}

}  // namespace

std::vector<Sample> parse_prometheus_text(std::string_view text) {
  std::vector<Sample> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (auto sample = parse_line(text.substr(start, end - start)))
      out.push_back(std::move(*sample));
    start = end + 1;
  }
  return out;
}

std::optional<double> sample_value(std::string_view text, std::string_view name,
                                   const std::map<std::string, std::string>& labels) {
  for (const auto& s : parse_prometheus_text(text)) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return std::nullopt;
}

}  // namespace kmslab::core
