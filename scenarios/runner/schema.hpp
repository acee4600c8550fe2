#pragma once
// What each part of a step may hold (../SCHEMA.md "Steps"): the actions' fields, `expect`,
// matchers and `capture`, checked node by node and turned into JSON.
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenarios/runner/yaml_reader.hpp"

namespace kmslab::scenario {

/// The action keys a step may have, in SCHEMA.md's order.
const std::vector<std::string>& action_names();

nlohmann::json read_action(const YamlReader& r, const std::string& action, const YAML::Node& n);
nlohmann::json read_expect(const YamlReader& r, const std::string& action, const YAML::Node& n);
nlohmann::json read_matcher(const YamlReader& r, const YAML::Node& n, const std::string& what);
nlohmann::json read_capture(const YamlReader& r, const std::string& action, const YAML::Node& n);

/// [A-Za-z_][A-Za-z0-9_]*
bool valid_variable_name(const std::string& name);

}  // namespace kmslab::scenario
