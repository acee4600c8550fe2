#pragma once
// `${NAME}` substitution (../SCHEMA.md "The stack"): every string of a step, just before it runs.
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace kmslab::scenario {

using Vars = std::map<std::string, std::string>;

class UnknownVariable : public std::runtime_error {
 public:
  explicit UnknownVariable(const std::string& name)
      : std::runtime_error("unknown variable ${" + name + "}"), name_(name) {}
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

/// Replaces ${NAME} with its value; "$${" is a literal "${". Throws UnknownVariable, or
/// std::invalid_argument for an unterminated "${".
std::string substitute(const std::string& text, const Vars& vars);
/// Every string in `value` (object keys too, so header names and pointers may hold variables).
nlohmann::json substitute_all(const nlohmann::json& value, const Vars& vars);

}  // namespace kmslab::scenario
