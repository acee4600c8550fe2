#include "scenarios/runner/vars.hpp"

#include "scenarios/runner/yaml_reader.hpp"

namespace kmslab::scenario {

using nlohmann::json;

std::string substitute(const std::string& text, const Vars& vars) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    const size_t end = text.find('}', i + 2);
    if (end == std::string::npos)
      throw std::invalid_argument("unterminated ${ in '" + text + "' (write $${ for a literal)");
    const std::string name = text.substr(i + 2, end - i - 2);
    const auto it = vars.find(name);
    if (it == vars.end()) throw UnknownVariable(name);
    out += it->second;
    i = end + 1;
  }
  return out;
}

json substitute_all(const json& value, const Vars& vars) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (!s.empty() && s[0] == kPlainMark) return typed_plain_scalar(substitute(s.substr(1), vars));
    return substitute(s, vars);
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& item : value) out.push_back(substitute_all(item, vars));
    return out;
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : value.items()) out[substitute(k, vars)] = substitute_all(v, vars);
    return out;
  }
  return value;
}

}  // namespace kmslab::scenario
