#include "scenarios/runner/prometheus_text.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>

namespace kmslab::scenario {

namespace {

bool read_labels(std::string_view s, size_t& i, std::map<std::string, std::string>& out) {
  ++i;  // '{'
  while (i < s.size() && s[i] != '}') {
    const size_t eq = s.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= s.size() || s[eq + 1] != '"') return false;
    std::string name(s.substr(i, eq - i));
    std::string value;
    size_t j = eq + 2;
    for (; j < s.size() && s[j] != '"'; ++j) {
      if (s[j] == '\\' && j + 1 < s.size()) {
        ++j;
        value += s[j] == 'n' ? '\n' : s[j];
      } else {
        value += s[j];
      }
    }
    if (j >= s.size()) return false;
    out[name] = value;
    i = j + 1;
    if (i < s.size() && s[i] == ',') ++i;
  }
  if (i >= s.size()) return false;
  ++i;  // '}'
  return true;
}

double read_value(std::string_view v) {
  if (v == "+Inf") return std::numeric_limits<double>::infinity();
  if (v == "-Inf") return -std::numeric_limits<double>::infinity();
  if (v == "NaN") return std::nan("");
  const std::string s(v);
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  return end == s.c_str() ? std::nan("") : d;
}

}  // namespace

std::vector<Sample> parse_prometheus_text(std::string_view text) {
  std::vector<Sample> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = std::string(line.substr(0, i));
    if (i < line.size() && line[i] == '{' && !read_labels(line, i, s.labels)) continue;
    while (i < line.size() && line[i] == ' ') ++i;
    const size_t v_end = line.find(' ', i);
    s.value = read_value(line.substr(i, v_end == std::string_view::npos ? v_end : v_end - i));
    if (s.name.empty() || std::isnan(s.value)) continue;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace kmslab::scenario
