#include "scenarios/runner/schema.hpp"

#include <functional>
#include <map>
#include <regex>
#include <set>

#include "scenarios/runner/parser.hpp"

namespace kmslab::scenario {

using nlohmann::json;

namespace {

enum class Type { kText, kBool, kDuration, kTime, kAny, kTextMap, kTextOrList, kAs };

struct Field {
  std::string name;
  Type type;
  bool required = false;
};

using Fields = std::vector<Field>;

const Fields kHttpCommon = {{"method", Type::kText},
                            {"path", Type::kText, true},
                            {"query", Type::kTextMap},
                            {"headers", Type::kTextMap},
                            {"body", Type::kAny}};

Fields with(Fields base, const Fields& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// Fault rules are the emulator's (README "Fault injection"): it checks them when they are added.
const std::map<std::string, Fields>& action_fields() {
  static const std::map<std::string, Fields> table = {
      {"arm", with(kHttpCommon,
                   {{"api_version", Type::kText, true}, {"wait", Type::kBool}, {"as", Type::kAs}})},
      {"keyvault", with(kHttpCommon, {{"vault", Type::kText},
                                      {"url", Type::kText},
                                      {"api_version", Type::kText},
                                      {"as", Type::kAs}})},
      {"token", {{"resource", Type::kText, true}, {"as", Type::kAs}}},
      {"kube",
       {{"cluster", Type::kText, true},
        {"method", Type::kText},
        {"path", Type::kText, true},
        {"body", Type::kAny},
        {"content_type", Type::kText}}},
      {"stored", {{"cluster", Type::kText, true}, {"key", Type::kText, true}}},
      {"metrics", {{"cluster", Type::kText, true}, {"from", Type::kText, true}}},
      {"clock", {{"advance", Type::kDuration}, {"set", Type::kTime}}},
      {"admin", {{"method", Type::kText}, {"path", Type::kText, true}, {"body", Type::kAny}}},
      {"restart",
       {{"emulator", Type::kBool},
        {"cluster", Type::kText},
        {"process", Type::kText},
        {"signal", Type::kText}}},
      {"diagnose", {{"cluster", Type::kText, true}}},
      {"audit", {{"vault", Type::kText, true}, {"since", Type::kTime}}},
      {"run",
       {{"command", Type::kTextOrList, true},
        {"stdin", Type::kText},
        {"env", Type::kTextMap},
        {"timeout", Type::kDuration}}},
      {"include", {{"file", Type::kText, true}, {"with", Type::kTextMap}}},
  };
  return table;
}

json read_as(const YamlReader& r, const YAML::Node& n) {
  r.need_map(n, "as");
  r.only_keys(n, {"service_principal", "managed_identity"}, "as");
  if (n.size() != 1) r.fail(n, "as to hold one of service_principal or managed_identity");
  if (n["managed_identity"])
    return {{"managed_identity", r.text(n["managed_identity"], "managed_identity (a client id)")}};
  const YAML::Node sp = n["service_principal"];
  r.need_map(sp, "service_principal");
  r.only_keys(sp, {"client_id", "client_secret"}, "service_principal");
  for (const char* k : {"client_id", "client_secret"})
    if (!sp[k]) r.fail(sp, std::string("service_principal to have ") + k);
  return {{"service_principal",
           {{"client_id", r.text(sp["client_id"], "client_id")},
            {"client_secret", r.text(sp["client_secret"], "client_secret")}}}};
}

json read_field(const YamlReader& r, const Field& f, const YAML::Node& n) {
  switch (f.type) {
    case Type::kText:
      return r.text(n, f.name);
    case Type::kBool:
      return r.boolean(n, f.name);
    case Type::kDuration:
      return r.duration(n, f.name);
    case Type::kTime:
      return r.time(n, f.name);
    case Type::kAny:
      return r.any(n);
    case Type::kTextMap:
      return r.text_map(n, f.name);
    case Type::kTextOrList:
      if (n.IsScalar()) return r.text(n, f.name);
      if (!n.IsSequence() || n.size() == 0)
        r.fail(n, f.name + " to be a string (for bash -c) or a non-empty list (argv)");
      return r.texts(n, f.name);
    case Type::kAs:
      return read_as(r, n);
  }
  return nullptr;
}

void one_of(const YamlReader& r, const YAML::Node& n, const std::string& field,
            const std::vector<std::string>& values) {
  if (!n[field]) return;
  const std::string v = r.text(n[field], field);
  if (has_variable(v)) return;
  std::string list;
  for (const auto& a : values) {
    if (a == v) return;
    list += (list.empty() ? "" : ", ") + a;
  }
  r.fail(n[field], field + " to be one of " + list + "; got '" + v + "'");
}

// The rules no field table can say: which fields go together.
void check_combinations(const YamlReader& r, const std::string& action, const YAML::Node& n) {
  auto exactly_one = [&](const char* a, const char* b) {
    if (!n[a] == !n[b]) r.fail(n, action + " to have exactly one of " + a + " or " + b);
  };
  if (action == "keyvault") exactly_one("vault", "url");
  if (action == "clock") exactly_one("advance", "set");
  if (action == "metrics") one_of(r, n, "from", {"apiserver", "kms-plugin"});
  if (action == "arm" || action == "keyvault" || action == "kube" || action == "admin")
    one_of(r, n, "method", {"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD"});
  if (action == "restart") {
    if (n["emulator"]) {
      if (n["cluster"] || n["process"] || !r.boolean(n["emulator"], "emulator"))
        r.fail(n, "restart to be either emulator: true or cluster + process");
    } else if (!n["cluster"] || !n["process"]) {
      r.fail(n, "restart to have emulator: true, or cluster and process");
    }
    one_of(r, n, "process", {"apiserver", "kms-plugin", "all"});
    one_of(r, n, "signal", {"KILL", "TERM"});
  }
}

json read_fault(const YamlReader& r, const YAML::Node& n) {
  r.need_map(n, "fault (a fault rule, or delete: ID)");
  if (n["delete"]) {
    r.only_keys(n, {"delete"}, "fault");
    return {{"delete", r.text(n["delete"], "delete (a fault rule id)")}};
  }
  return {{"rule", r.any(n)}};
}

const std::set<std::string> kMatcherOps = {
    "eq", "ne", "contains", "not_contains", "prefix", "matches", "exists", "gt",
    "ge", "lt", "le",       "len",          "one_of", "any",     "all"};

void check_regex(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  const std::string s = r.text(n, what);
  if (has_variable(s)) return;
  try {
    std::regex re(s, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    r.fail(n, what + " to be an ECMAScript regular expression (" + e.what() + ")");
  }
}

json read_matcher_op(const YamlReader& r, const std::string& op, const YAML::Node& v) {
  if (op == "eq" || op == "ne") return r.any(v);
  if (op == "contains" || op == "not_contains" || op == "prefix") {
    if (!v.IsScalar()) r.fail(v, op + " to be a string (or a scalar an array holds)");
    return r.any(v);
  }
  if (op == "matches") {
    check_regex(r, v, "matches");
    return r.text(v, "matches");
  }
  if (op == "exists") return r.boolean(v, "exists");
  if (op == "len" || op == "any" || op == "all") return read_matcher(r, v, op);
  if (op == "one_of") {
    r.need_seq(v, "one_of");
    return r.any(v);
  }
  const json num = v.IsScalar() && v.Tag() != "!" ? typed_plain_scalar(v.Scalar()) : json();
  if (!num.is_number() && !(v.IsScalar() && has_variable(v.Scalar())))
    r.fail(v, op + " to be a number");
  return num.is_number() ? num : json(v.Scalar());
}

json read_pointer_map(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  r.need_map(n, what);
  json out = json::object();
  for (const auto& kv : n) {
    const std::string key = r.text(kv.first, "a JSON Pointer key in " + what);
    if (key.empty() || key[0] != '/')
      r.fail(kv.first, "a JSON Pointer (starting with /) in " + what + "; got '" + key + "'");
    if (out.contains(key)) r.fail(kv.first, "each pointer once in " + what);
    out[key] = read_matcher(r, kv.second, what + " " + key);
  }
  return out;
}

json read_status(const YamlReader& r, const YAML::Node& n) {
  if (n.IsSequence()) {
    json out = json::array();
    for (const auto& item : n) out.push_back(r.integer(item, "each status"));
    if (out.empty()) r.fail(n, "at least one status");
    return out;
  }
  return r.integer(n, "status (an HTTP status or a list of them)");
}

json read_error(const YamlReader& r, const YAML::Node& n) {
  r.need_map(n, "error");
  r.only_keys(n, {"code", "message", "message_matches"}, "error");
  if (n.size() == 0) r.fail(n, "error to have code, message or message_matches");
  json out = json::object();
  for (const auto& kv : n) out[kv.first.Scalar()] = r.text(kv.second, kv.first.Scalar());
  if (n["message_matches"]) check_regex(r, n["message_matches"], "message_matches");
  return out;
}

json read_metric_expectations(const YamlReader& r, const YAML::Node& n) {
  r.need_seq(n, "metrics");
  json out = json::array();
  for (const auto& m : n) {
    r.need_map(m, "each metrics item");
    r.only_keys(m, {"name", "labels", "value"}, "a metrics item");
    if (!m["name"]) r.fail(m, "a metrics item to have name");
    json item = {{"name", r.text(m["name"], "name")}};
    if (m["labels"]) item["labels"] = r.text_map(m["labels"], "labels");
    if (m["value"]) item["value"] = read_matcher(r, m["value"], "value");
    out.push_back(std::move(item));
  }
  return out;
}

const char* run_from(const std::string& action) {
  return action == "run" ? "stdout" : "body";
}

}  // namespace

const std::vector<std::string>& action_names() {
  static const std::vector<std::string> names = {
      "arm",   "keyvault", "token",   "kube",     "stored", "metrics", "clock",
      "fault", "admin",    "restart", "diagnose", "audit",  "run",     "include"};
  return names;
}

bool valid_variable_name(const std::string& name) {
  static const std::regex kName("[A-Za-z_][A-Za-z0-9_]*");
  return std::regex_match(name, kName);
}

json read_action(const YamlReader& r, const std::string& action, const YAML::Node& n) {
  if (action == "fault") return read_fault(r, n);
  const Fields& fields = action_fields().at(action);
  r.need_map(n, action);
  std::vector<std::string> names;
  for (const auto& f : fields) names.push_back(f.name);
  r.only_keys(n, names, action);
  json out = json::object();
  for (const auto& f : fields) {
    if (!n[f.name]) {
      if (f.required) r.fail(n, action + " to have " + f.name);
      continue;
    }
    out[f.name] = read_field(r, f, n[f.name]);
  }
  check_combinations(r, action, n);
  return out;
}

json read_matcher(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  if (!n.IsMap()) return {{"eq", r.any(n)}};  // a scalar or a list: equality
  json out = json::object();
  for (const auto& kv : n) {
    const std::string key = r.text(kv.first, "a matcher key in " + what);
    if (out.contains(key)) r.fail(kv.first, "each key once in " + what);
    if (!key.empty() && key[0] == '/') {
      out[key] = read_matcher(r, kv.second, what + " " + key);
    } else if (kMatcherOps.count(key)) {
      out[key] = read_matcher_op(r, key, kv.second);
    } else {
      r.fail(kv.first,
             "a matcher (eq, ne, contains, not_contains, prefix, matches, exists, gt, ge, lt, "
             "le, len, one_of, any, all, or /pointer) in " +
                 what + "; got '" + key + "'");
    }
  }
  if (out.empty()) r.fail(n, "a non-empty matcher in " + what);
  return out;
}

json read_expect(const YamlReader& r, const std::string& action, const YAML::Node& n) {
  r.need_map(n, "expect");
  const bool run = action == "run";
  std::vector<std::string> keys;
  if (run) {
    keys = {"exit", "stdout", "stderr", "stdout_json"};
  } else {
    keys = {"status", "error", "json", "headers", "body"};
    if (action == "stored") keys.push_back("bytes");
    if (action == "metrics") keys.push_back("metrics");
  }
  r.only_keys(n, keys, "expect of a " + action + " step");
  json out = json::object();
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "status")
      out[key] = read_status(r, v);
    else if (key == "exit")
      out[key] = r.integer(v, "exit");
    else if (key == "error")
      out[key] = read_error(r, v);
    else if (key == "json" || key == "stdout_json")
      out[key] = read_pointer_map(r, v, key);
    else if (key == "metrics")
      out[key] = read_metric_expectations(r, v);
    else if (key == "headers") {
      r.need_map(v, "headers");
      json h = json::object();
      for (const auto& hv : v)
        h[r.text(hv.first, "a header name")] = read_matcher(r, hv.second, "headers");
      out[key] = h;
    } else
      out[key] = read_matcher(r, v, key);
  }
  return out;
}

json read_capture(const YamlReader& r, const std::string& action, const YAML::Node& n) {
  r.need_map(n, "capture");
  json out = json::object();
  for (const auto& kv : n) {
    const std::string name = r.text(kv.first, "a variable name");
    if (!valid_variable_name(name))
      r.fail(kv.first, "a variable name ([A-Za-z_][A-Za-z0-9_]*); got '" + name + "'");
    if (is_builtin_variable(name))
      r.fail(kv.first, "a name of your own; '" + name + "' is a built-in variable");
    const YAML::Node& v = kv.second;
    if (v.IsScalar()) {
      const std::string p = v.Scalar();
      if (p.empty() || p[0] != '/')
        r.fail(v, "a JSON Pointer (starting with /) or a map (header, stdout, stdout_json, regex)");
      out[name] = {{"pointer", p}};
      continue;
    }
    r.need_map(v, "capture " + name);
    r.only_keys(v, {"header", "stdout", "stderr", "stdout_json", "regex", "from"},
                "capture " + name);
    json c = json::object();
    if (v["header"]) c["header"] = r.text(v["header"], "header");
    if (v["stdout"]) c["stdout"] = r.boolean(v["stdout"], "stdout");
    if (v["stderr"]) c["stderr"] = r.boolean(v["stderr"], "stderr");
    if (v["stdout_json"]) c["stdout_json"] = r.text(v["stdout_json"], "stdout_json");
    if (v["regex"]) {
      check_regex(r, v["regex"], "regex");
      c["regex"] = r.text(v["regex"], "regex");
      c["from"] = v["from"] ? r.text(v["from"], "from") : std::string(run_from(action));
      one_of(r, v, "from", {"body", "stdout", "stderr"});
    } else if (v["from"]) {
      r.fail(v["from"], "from only beside regex");
    }
    const size_t kinds = c.count("header") + c.count("stdout") + c.count("stderr") +
                         c.count("stdout_json") + c.count("regex");
    if (kinds != 1)
      r.fail(v, "capture " + name +
                    " to have exactly one of header, stdout, stderr, stdout_json "
                    "or regex");
    const bool run_only = c.count("stdout") || c.count("stderr") || c.count("stdout_json");
    if (run_only && action != "run") r.fail(v, "stdout/stderr captures only on a run step");
    if (c.count("header") && action == "run") r.fail(v, "no header capture on a run step");
    out[name] = std::move(c);
  }
  return out;
}

}  // namespace kmslab::scenario
