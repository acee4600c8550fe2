#pragma once
// A scenario file as the runner holds it once parsed (../SCHEMA.md). Action fields, expectations
// and captures stay JSON (YAML scalars typed as YAML 1.2's core schema types them), because
// `${VAR}` substitution runs over every string of a step just before it runs.
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kmslab::scenario {

using Millis = std::chrono::milliseconds;

struct Retry {
  Millis timeout{0};
  Millis interval{200};
};

struct Fragment;

struct Step {
  std::string file;  // where it was written (a fragment's steps name the fragment)
  int line = 0;
  int column = 0;
  std::string name;
  std::string note;
  std::string action;      // arm | keyvault | ... | include
  nlohmann::json fields;   // the action's map (see schema.cpp)
  nlohmann::json expect;   // null: the default (2xx, exit 0)
  nlohmann::json capture;  // null or {NAME: spec}
  std::optional<Retry> retry;
  std::shared_ptr<const Fragment> fragment;  // include: the parsed fragment
};

struct Fragment {
  std::string file;
  std::vector<std::string> params;
  std::vector<Step> steps;
};

struct StackSpec {
  std::string clock_start = "2026-01-01T00:00:00Z";
  std::vector<std::string> args;
  Millis timeout{120'000};
};

struct Scenario {
  std::string file;
  int line = 1;
  std::string name;
  std::string description;
  std::vector<std::string> covers;
  std::vector<std::string> tags;
  StackSpec stack;
  std::map<std::string, std::string> vars;
  std::vector<Step> steps;
};

}  // namespace kmslab::scenario
