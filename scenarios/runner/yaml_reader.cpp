#include "scenarios/runner/yaml_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>
#include <string_view>

#include "emulator/core/clock.hpp"
#include "scenarios/runner/duration.hpp"
#include "scenarios/runner/parser.hpp"

namespace kmslab::scenario {

using nlohmann::json;

namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kMaxNodes = 200'000;  // anchors can repeat a subtree: bound what they expand to

bool is_quoted(const YAML::Node& n) {
  return n.Tag() == "!";
}

}  // namespace

std::string YamlReader::where(const YAML::Node& at) const {
  const YAML::Mark m = at.Mark();
  if (m.is_null()) return file_ + ":1:1";
  return file_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

void YamlReader::fail(const YAML::Node& at, const std::string& expected) const {
  throw ParseError(where(at) + ": expected " + expected);
}

void YamlReader::need_map(const YAML::Node& n, const std::string& what) const {
  if (!n.IsMap()) fail(n, what + " to be a map");
}

void YamlReader::need_seq(const YAML::Node& n, const std::string& what) const {
  if (!n.IsSequence()) fail(n, what + " to be a list");
}

void YamlReader::only_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                           const std::string& what) const {
  std::set<std::string> seen;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) fail(kv.first, "a plain key in " + what);
    const std::string key = kv.first.Scalar();
    if (!seen.insert(key).second)
      fail(kv.first, "each key once in " + what + "; '" + key + "' is repeated");
    bool known = false;
    for (const auto& a : allowed) known = known || a == key;
    if (known) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    fail(kv.first, "one of " + list + " in " + what + "; got unknown key '" + key + "'");
  }
}

std::string YamlReader::text(const YAML::Node& n, const std::string& what) const {
  if (!n.IsScalar()) fail(n, what + " to be a string");
  return n.Scalar();
}

int YamlReader::integer(const YAML::Node& n, const std::string& what) const {
  static const std::regex kInt("[-+]?[0-9]{1,9}");
  if (!n.IsScalar() || is_quoted(n) || !std::regex_match(n.Scalar(), kInt))
    fail(n, what + " to be an integer");
  return std::stoi(n.Scalar());
}

bool YamlReader::boolean(const YAML::Node& n, const std::string& what) const {
  const json v = n.IsScalar() && !is_quoted(n) ? typed_plain_scalar(n.Scalar()) : json();
  if (!v.is_boolean()) fail(n, what + " to be true or false");
  return v.get<bool>();
}

std::string YamlReader::duration(const YAML::Node& n, const std::string& what) const {
  const std::string s = text(n, what);
  if (!has_variable(s) && !parse_go_duration(s))
    fail(n, what + " to be a duration such as 500ms, 10s, 4m or 1h30m; got '" + s + "'");
  return s;
}

std::string YamlReader::time(const YAML::Node& n, const std::string& what) const {
  const std::string s = text(n, what);
  if (!has_variable(s) && !core::parse_rfc3339(s))
    fail(n, what + " to be an RFC 3339 time such as 2026-01-01T00:00:00Z; got '" + s + "'");
  return s;
}

std::vector<std::string> YamlReader::texts(const YAML::Node& n, const std::string& what) const {
  need_seq(n, what);
  std::vector<std::string> out;
  for (const auto& item : n) out.push_back(text(item, "each item of " + what));
  return out;
}

json YamlReader::text_map(const YAML::Node& n, const std::string& what) const {
  need_map(n, what);
  json out = json::object();
  for (const auto& kv : n) {
    const std::string key = text(kv.first, "a plain key in " + what);
    if (out.contains(key))
      fail(kv.first, "each key once in " + what + "; '" + key + "' is repeated");
    out[key] = text(kv.second, "the value of '" + key + "' in " + what);
  }
  return out;
}

json YamlReader::any(const YAML::Node& n) const {
  size_t budget = kMaxNodes;
  return any(n, 0, budget);
}

json YamlReader::any(const YAML::Node& n, int depth, size_t& budget) const {
  if (depth > kMaxDepth) fail(n, "at most " + std::to_string(kMaxDepth) + " levels of nesting");
  if (budget == 0)
    fail(n, "a smaller document (anchors expand past " + std::to_string(kMaxNodes) + " nodes)");
  --budget;
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      if (is_quoted(n)) return n.Scalar();
      // `enabled: ${FLAG}`: typed once substituted (vars.cpp), as if written in its place.
      if (has_variable(n.Scalar())) return std::string(1, kPlainMark) + n.Scalar();
      return typed_plain_scalar(n.Scalar());
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : n) out.push_back(any(item, depth + 1, budget));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) fail(kv.first, "a plain key");
        const std::string key = kv.first.Scalar();
        if (out.contains(key)) fail(kv.first, "each key once; '" + key + "' is repeated");
        out[key] = any(kv.second, depth + 1, budget);
      }
      return out;
    }
    default:
      return nullptr;
  }
}

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// YAML 1.2 core schema floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_float(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  const size_t e = s.find_first_of("eE");
  std::string_view mantissa = s.substr(0, e), exponent;
  if (e != std::string_view::npos) {
    exponent = s.substr(e + 1);
    if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) exponent.remove_prefix(1);
    if (!all_digits(exponent)) return false;
  }
  const size_t dot = mantissa.find('.');
  if (dot == std::string_view::npos) return all_digits(mantissa);
  const std::string_view whole = mantissa.substr(0, dot), part = mantissa.substr(dot + 1);
  if (whole.empty()) return all_digits(part);
  return all_digits(whole) && (part.empty() || all_digits(part));
}

}  // namespace

json typed_plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  const std::string_view digits = s[0] == '-' || s[0] == '+' ? std::string_view(s).substr(1) : s;
  if (digits.size() <= 18 && all_digits(digits)) return std::stoll(s);
  if (s.size() < 64 && is_float(s)) {
    const double d = std::strtod(s.c_str(), nullptr);  // 1e999: inf, which JSON cannot hold
    return std::isfinite(d) ? json(d) : json(s);
  }
  return s;
}

bool has_variable(const std::string& s) {
  return s.find("${") != std::string::npos;
}

}  // namespace kmslab::scenario
