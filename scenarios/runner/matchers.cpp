#include "scenarios/runner/matchers.hpp"

#include <charconv>
#include <regex>

namespace kmslab::scenario {

using nlohmann::json;

namespace {

std::optional<double> as_number(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  double d = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return d;
}

// Text for substring and regex matching: strings as they are, anything else as JSON.
std::string as_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

bool equal(const json& want, const json& got) {
  if (want == got) return true;
  const auto a = as_number(want), b = as_number(got);
  if (a && b && (want.is_number() || got.is_number())) return *a == *b;
  // "true" written quoted against a boolean, or a captured number against a string
  if (want.is_string() != got.is_string() && !want.is_structured() && !got.is_structured())
    return as_text(want) == as_text(got);
  return false;
}

std::optional<std::string> failure(const std::string& expected, const json* got) {
  return "expected " + expected + ", got " + show(got);
}

bool contains(const json& got, const json& needle) {
  if (got.is_array()) {
    for (const auto& item : got)
      if (equal(needle, item)) return true;
    return false;
  }
  if (got.is_object()) return needle.is_string() && got.contains(needle.get<std::string>());
  return as_text(got).find(as_text(needle)) != std::string::npos;
}

std::optional<std::string> compare(const std::string& op, const json& want, const json* got) {
  const auto limit = as_number(want);
  const auto value = got ? as_number(*got) : std::nullopt;
  if (!limit) return "expected a number to compare with in " + op + ", got " + show(&want);
  if (!value) return failure("a number " + op + " " + show(&want), got);
  const bool ok = op == "gt"   ? *value > *limit
                  : op == "ge" ? *value >= *limit
                  : op == "lt" ? *value < *limit
                               : *value <= *limit;
  static const std::map<std::string, std::string> kWords = {
      {"gt", ">"}, {"ge", ">="}, {"lt", "<"}, {"le", "<="}};
  if (ok) return std::nullopt;
  return failure("a number " + kWords.at(op) + " " + show(&want), got);
}

std::optional<std::string> elements(const std::string& op, const json& inner, const json* got) {
  if (!got || !got->is_array()) return failure("an array (for " + op + ")", got);
  std::string last;
  size_t index = 0;
  for (const auto& item : *got) {
    auto why = match(inner, &item);
    if (op == "any" && !why) return std::nullopt;
    if (op == "all" && why) return "element " + std::to_string(index) + ": " + *why;
    if (why) last = *why;
    ++index;
  }
  if (op == "all") return std::nullopt;
  return "no element of " + std::to_string(got->size()) + " matched" +
         (last.empty() ? std::string() : " (last: " + last + ")");
}

std::optional<std::string> one(const std::string& op, const json& arg, const json* got) {
  if (op == "exists") {
    const bool want = arg.get<bool>();
    if (want == (got != nullptr)) return std::nullopt;
    return failure(want ? "a value" : "no value", got);
  }
  if (!got) return failure("a value (for " + op + " " + show(&arg) + ")", nullptr);
  if (op == "eq") return equal(arg, *got) ? std::nullopt : failure(show(&arg), got);
  if (op == "ne") return !equal(arg, *got) ? std::nullopt : failure("not " + show(&arg), got);
  if (op == "contains")
    return contains(*got, arg) ? std::nullopt : failure("a value containing " + show(&arg), got);
  if (op == "not_contains")
    return !contains(*got, arg) ? std::nullopt
                                : failure("a value not containing " + show(&arg), got);
  if (op == "prefix") {
    const std::string text = as_text(*got), start = as_text(arg);
    return text.rfind(start, 0) == 0 ? std::nullopt
                                     : failure("a value starting with " + show(&arg), got);
  }
  if (op == "matches") {
    try {
      const std::regex re(arg.get<std::string>(), std::regex::ECMAScript);
      if (std::regex_search(as_text(*got), re)) return std::nullopt;
    } catch (const std::regex_error& e) {
      return "bad regular expression " + show(&arg) + ": " + e.what();
    }
    return failure("a value matching /" + arg.get<std::string>() + "/", got);
  }
  if (op == "len") {
    if (!got->is_string() && !got->is_array() && !got->is_object())
      return failure("a string, array or object (for len)", got);
    const json n = got->is_string() ? got->get_ref<const std::string&>().size() : got->size();
    if (auto why = match(arg, &n)) return "length: " + *why;
    return std::nullopt;
  }
  if (op == "one_of") {
    for (const auto& v : arg)
      if (equal(v, *got)) return std::nullopt;
    return failure("one of " + show(&arg), got);
  }
  if (op == "any" || op == "all") return elements(op, arg, got);
  return compare(op, arg, got);
}

}  // namespace

const json* resolve_pointer(const json& doc, const std::string& pointer) {
  try {
    const json::json_pointer p(pointer);
    return doc.contains(p) ? &doc.at(p) : nullptr;
  } catch (const json::exception&) {
    return nullptr;
  }
}

std::string show(const json* value) {
  if (!value) return "nothing (absent)";
  std::string s = value->dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return s;
}

std::optional<std::string> match(const json& matcher, const json* value) {
  if (!matcher.is_object())
    return equal(matcher, value ? *value : json()) && value ? std::nullopt
                                                            : failure(show(&matcher), value);
  for (const auto& [key, arg] : matcher.items()) {
    if (!key.empty() && key[0] == '/') {
      const json* inner = value ? resolve_pointer(*value, key) : nullptr;
      if (auto why = match(arg, inner)) return key + ": " + *why;
      continue;
    }
    if (auto why = one(key, arg, value)) return why;
  }
  return std::nullopt;
}

}  // namespace kmslab::scenario
