#include "scenarios/runner/parser.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "scenarios/runner/duration.hpp"
#include "scenarios/runner/schema.hpp"
#include "scenarios/runner/yaml_reader.hpp"

namespace kmslab::scenario {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::set<std::string> kBuiltins = {
    "SUBSCRIPTION", "TENANT",        "SEED",     "URL",  "PROXY",
    "CA_FILE",      "ADMIN_TOKEN",   "DATA_DIR", "WORK", "SCENARIO_DIR",
    "CLIENT_ID",    "CLIENT_SECRET", "OBJECT_ID"};

YAML::Node load_yaml(const std::string& text, const std::string& file) {
  try {
    YAML::Node doc = YAML::Load(text);
    return doc;
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    const int col = e.mark.is_null() ? 1 : e.mark.column + 1;
    throw ParseError(file + ":" + std::to_string(line) + ":" + std::to_string(col) +
                     ": expected valid YAML (" + e.msg + ")");
  }
}

Retry read_retry(const YamlReader& r, const YAML::Node& n) {
  r.need_map(n, "retry");
  r.only_keys(n, {"timeout", "interval"}, "retry");
  if (!n["timeout"]) r.fail(n, "retry to have timeout");
  Retry out;
  // Retries run in real time, so a ${VAR} duration would be unknowable here: plain text only.
  auto real = [&](const char* key) {
    const std::string s = r.text(n[key], key);
    const auto d = parse_go_duration(s);
    if (!d) r.fail(n[key], std::string(key) + " to be a duration such as 200ms or 20s");
    return *d;
  };
  out.timeout = real("timeout");
  if (n["interval"]) out.interval = real("interval");
  if (out.interval.count() <= 0) r.fail(n["interval"], "interval to be above 0");
  return out;
}

Step read_step(const YamlReader& r, const YAML::Node& n, const FragmentLoader& loader) {
  r.need_map(n, "each step");
  std::vector<std::string> keys = {"name", "note", "expect", "capture", "retry"};
  for (const auto& a : action_names()) keys.push_back(a);
  r.only_keys(n, keys, "a step");
  Step s;
  s.file = r.file();
  s.line = n.Mark().line + 1;
  s.column = n.Mark().column + 1;
  if (!n["name"]) r.fail(n, "a step to have name");
  s.name = r.text(n["name"], "name");
  if (n["note"]) s.note = r.text(n["note"], "note");
  for (const auto& a : action_names()) {
    if (!n[a]) continue;
    if (!s.action.empty()) r.fail(n, "one action per step; this one has " + s.action + " and " + a);
    s.action = a;
  }
  if (s.action.empty()) {
    std::string list;
    for (const auto& a : action_names()) list += (list.empty() ? "" : ", ") + a;
    r.fail(n, "step '" + s.name + "' to have one action key (" + list + ")");
  }
  s.fields = read_action(r, s.action, n[s.action]);
  if (s.action == "include") {
    if (n["expect"] || n["capture"] || n["retry"])
      r.fail(n, "no expect, capture or retry on an include (its steps have their own)");
    const YAML::Node file = n["include"]["file"];
    try {
      s.fragment = loader(s.fields["file"].get<std::string>(), r.file());
    } catch (const ParseError&) {
      throw;
    } catch (const std::exception& e) {
      r.fail(file, "a fragment file that can be read (" + std::string(e.what()) + ")");
    }
  }
  if (n["expect"]) s.expect = read_expect(r, s.action, n["expect"]);
  if (n["capture"]) s.capture = read_capture(r, s.action, n["capture"]);
  if (n["retry"]) s.retry = read_retry(r, n["retry"]);
  return s;
}

std::vector<Step> read_steps(const YamlReader& r, const YAML::Node& doc,
                             const FragmentLoader& loader) {
  if (!doc["steps"]) r.fail(doc, "steps");
  r.need_seq(doc["steps"], "steps");
  if (doc["steps"].size() == 0) r.fail(doc["steps"], "at least one step");
  std::vector<Step> out;
  for (const auto& n : doc["steps"]) out.push_back(read_step(r, n, loader));
  return out;
}

StackSpec read_stack(const YamlReader& r, const YAML::Node& n) {
  r.need_map(n, "stack");
  r.only_keys(n, {"clock_start", "args", "timeout"}, "stack");
  StackSpec s;
  if (n["clock_start"]) s.clock_start = r.time(n["clock_start"], "clock_start");
  if (has_variable(s.clock_start)) r.fail(n["clock_start"], "clock_start without ${...}");
  if (n["args"]) s.args = r.texts(n["args"], "args");
  if (n["timeout"]) {
    const auto d = parse_go_duration(r.text(n["timeout"], "timeout"));
    if (!d || d->count() <= 0) r.fail(n["timeout"], "timeout to be a duration such as 120s");
    s.timeout = *d;
  }
  return s;
}

std::map<std::string, std::string> read_vars(const YamlReader& r, const YAML::Node& n) {
  const json m = r.text_map(n, "vars");
  std::map<std::string, std::string> out;
  for (const auto& kv : n) {
    const std::string name = kv.first.Scalar();
    if (!valid_variable_name(name))
      r.fail(kv.first, "a variable name ([A-Za-z_][A-Za-z0-9_]*); got '" + name + "'");
    if (is_builtin_variable(name))
      r.fail(kv.first, "a name of your own; '" + name + "' is a built-in variable");
    out[name] = m[name].get<std::string>();
  }
  return out;
}

std::vector<std::string> read_ids(const YamlReader& r, const YAML::Node& n, const char* what) {
  static const std::regex kId("[A-Z][0-9]+");
  const auto ids = r.texts(n, what);
  size_t i = 0;
  for (const auto& item : n) {
    if (!std::regex_match(ids[i++], kId))
      r.fail(item, std::string("a seed id such as L4 in ") + what);
  }
  return ids;
}

}  // namespace

bool is_builtin_variable(const std::string& name) {
  return kBuiltins.count(name) > 0;
}

Scenario parse_scenario(const std::string& text, const std::string& file,
                        const FragmentLoader& loader) {
  const YamlReader r(file);
  const YAML::Node doc = load_yaml(text, file);
  if (!doc.IsMap()) r.fail(doc, "a scenario (a map with name, description, covers, steps)");
  r.only_keys(doc, {"name", "description", "covers", "tags", "stack", "vars", "steps"},
              "a scenario");
  Scenario s;
  s.file = file;
  for (const char* key : {"name", "description", "covers"})
    if (!doc[key]) r.fail(doc, std::string("a scenario to have ") + key);
  s.name = r.text(doc["name"], "name");
  static const std::regex kName("[a-z0-9][a-z0-9-]*");
  if (!std::regex_match(s.name, kName))
    r.fail(doc["name"], "name to match [a-z0-9][a-z0-9-]*; got '" + s.name + "'");
  s.description = r.text(doc["description"], "description");
  s.covers = read_ids(r, doc["covers"], "covers");
  if (s.covers.empty()) r.fail(doc["covers"], "covers to name at least one seed id");
  if (doc["tags"]) s.tags = r.texts(doc["tags"], "tags");
  if (doc["stack"]) s.stack = read_stack(r, doc["stack"]);
  if (doc["vars"]) s.vars = read_vars(r, doc["vars"]);
  s.steps = read_steps(r, doc, loader);
  return s;
}

Fragment parse_fragment(const std::string& text, const std::string& file,
                        const FragmentLoader& loader) {
  const YamlReader r(file);
  const YAML::Node doc = load_yaml(text, file);
  if (!doc.IsMap()) r.fail(doc, "a fragment (a map with steps and optional params)");
  r.only_keys(doc, {"params", "steps"}, "a fragment");
  Fragment f;
  f.file = file;
  if (doc["params"]) {
    f.params = r.texts(doc["params"], "params");
    size_t i = 0;
    for (const auto& item : doc["params"])
      if (!valid_variable_name(f.params[i++])) r.fail(item, "a variable name in params");
  }
  f.steps = read_steps(r, doc, loader);
  return f;
}

FileLoader::FileLoader(fs::path scenarios_root) : root_(std::move(scenarios_root)) {}

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

Scenario FileLoader::scenario(const fs::path& file) {
  return parse_scenario(read_text(file), file.string(), fragments());
}

FragmentLoader FileLoader::fragments() {
  return [this](const std::string& file, const std::string& from) { return load(file, from); };
}

std::shared_ptr<const Fragment> FileLoader::load(const std::string& file, const std::string& from) {
  const fs::path path = (root_ / file).lexically_normal();
  const std::string key = path.string();
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  for (const auto& open : loading_)
    if (open == key) throw std::runtime_error("an include cycle: " + file + " includes itself");
  if (loading_.size() >= 8) throw std::runtime_error("includes nested at most 8 deep");
  if (!fs::is_regular_file(path))
    throw std::runtime_error(path.string() + " does not exist (relative to " + root_.string() +
                             ", included from " + from + ")");
  loading_.push_back(key);
  try {
    auto f = std::make_shared<const Fragment>(parse_fragment(read_text(path), key, fragments()));
    loading_.pop_back();
    cache_[key] = f;
    return f;
  } catch (...) {
    loading_.pop_back();
    throw;
  }
}

}  // namespace kmslab::scenario
