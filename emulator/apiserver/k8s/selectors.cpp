#include "emulator/apiserver/k8s/selectors.hpp"

#include <algorithm>
#include <cctype>

namespace kmslab::apiserver::k8s {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Splits on commas outside parentheses.
std::vector<std::string_view> split_terms(std::string_view text) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      out.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    } else if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      --depth;
    }
  }
  return out;
}

bool valid_label_key(std::string_view key) {
  if (key.empty() || key.size() > 316) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '/';
  });
}

std::variant<Requirement, std::string> parse_set_term(std::string_view term, size_t at,
                                                      bool notin) {
  Requirement r;
  r.key = std::string(trim(term.substr(0, at)));
  r.op = notin ? Requirement::Op::kNotIn : Requirement::Op::kIn;
  std::string_view rest = trim(term.substr(at + (notin ? 7 : 4)));
  if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
    return "unable to parse requirement: found '" + std::string(rest) + "', expected: '('";
  }
  rest = rest.substr(1, rest.size() - 2);
  size_t start = 0;
  for (size_t i = 0; i <= rest.size(); ++i) {
    if (i == rest.size() || rest[i] == ',') {
      r.values.emplace_back(trim(rest.substr(start, i - start)));
      start = i + 1;
    }
  }
  return r;
}

std::variant<Requirement, std::string> parse_term(std::string_view term, bool fields_only) {
  Requirement r;
  if (size_t p = term.find("!="); p != std::string_view::npos) {
    r = {std::string(trim(term.substr(0, p))),
         Requirement::Op::kNotEquals,
         {std::string(trim(term.substr(p + 2)))}};
  } else if (size_t q = term.find("=="); q != std::string_view::npos) {
    r = {std::string(trim(term.substr(0, q))),
         Requirement::Op::kEquals,
         {std::string(trim(term.substr(q + 2)))}};
  } else if (size_t e = term.find('='); e != std::string_view::npos) {
    r = {std::string(trim(term.substr(0, e))),
         Requirement::Op::kEquals,
         {std::string(trim(term.substr(e + 1)))}};
  } else if (fields_only) {
    return "invalid selector: '" + std::string(term) + "'; can't understand '" + std::string(term) +
           "'";
  } else if (size_t n = term.find(" notin "); n != std::string_view::npos) {
    return parse_set_term(term, n, true);
  } else if (size_t i = term.find(" in "); i != std::string_view::npos) {
    return parse_set_term(term, i, false);
  } else if (term.starts_with("!")) {
    r = {std::string(trim(term.substr(1))), Requirement::Op::kDoesNotExist, {}};
  } else {
    r = {std::string(term), Requirement::Op::kExists, {}};
  }
  return r;
}

}  // namespace

bool Selector::matches(const std::map<std::string, std::string>& set) const {
  for (const auto& r : requirements) {
    auto it = set.find(r.key);
    const bool has = it != set.end();
    const bool in =
        has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    switch (r.op) {
      case Requirement::Op::kEquals:
      case Requirement::Op::kIn:
        if (!in) return false;
        break;
      case Requirement::Op::kNotEquals:
      case Requirement::Op::kNotIn:
        if (in) return false;
        break;
      case Requirement::Op::kExists:
        if (!has) return false;
        break;
      case Requirement::Op::kDoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

std::variant<Selector, std::string> parse_label_selector(std::string_view text) {
  Selector s;
  if (trim(text).empty()) return s;
  for (auto term : split_terms(text)) {
    auto r = parse_term(term, false);
    if (auto* err = std::get_if<std::string>(&r)) return *err;
    auto& req = std::get<Requirement>(r);
    if (!valid_label_key(req.key)) {
      return "unable to parse requirement: <nil>: Invalid value: \"" + req.key +
             "\": name part must consist of alphanumeric characters, '-', '_' or '.', and must "
             "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
             "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    }
    s.requirements.push_back(std::move(req));
  }
  return s;
}

std::variant<Selector, std::string> parse_field_selector(std::string_view text,
                                                         const std::vector<std::string>& supported,
                                                         const std::string& kind_name) {
  Selector s;
  if (trim(text).empty()) return s;
  for (auto term : split_terms(text)) {
    auto r = parse_term(term, true);
    if (auto* err = std::get_if<std::string>(&r)) return *err;
    auto& req = std::get<Requirement>(r);
    if (std::find(supported.begin(), supported.end(), req.key) == supported.end()) {
      // The field-label conversion error of the registry (a BadRequest).
      return "field label not supported: " + req.key;
    }
    (void)kind_name;
    s.requirements.push_back(std::move(req));
  }
  return s;
}

std::map<std::string, std::string> labels_of(const nlohmann::json& object) {
  std::map<std::string, std::string> out;
  auto m = object.find("metadata");
  if (m == object.end() || !m->contains("labels") || !(*m)["labels"].is_object()) return out;
  for (const auto& [k, v] : (*m)["labels"].items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

std::map<std::string, std::string> fields_of(const nlohmann::json& object) {
  std::map<std::string, std::string> out;
  const auto meta = object.value("metadata", nlohmann::json::object());
  out["metadata.name"] = meta.value("name", "");
  out["metadata.namespace"] = meta.value("namespace", "");
  if (object.contains("type") && object["type"].is_string()) out["type"] = object["type"];
  if (object.contains("status") && object["status"].is_object())
    out["status.phase"] = object["status"].value("phase", "");
  return out;
}

}  // namespace kmslab::apiserver::k8s
