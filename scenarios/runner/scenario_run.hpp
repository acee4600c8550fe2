#pragma once
// Runs one parsed scenario in its own stack (../SCHEMA.md): steps in order, includes expanded,
// `${VAR}` substituted just before each step, retries in real time, the first failing step ends
// it. Produces a ScenarioResult (results.hpp) with its steps and timeline.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "scenarios/runner/model.hpp"
#include "scenarios/runner/results.hpp"
#include "scenarios/runner/session.hpp"
#include "scenarios/runner/stack.hpp"

namespace kmslab::scenario {

struct RunConfig {
  std::filesystem::path emulator;
  std::filesystem::path kmslab_env;
  std::filesystem::path work_root;  // each scenario gets work_root/<name>
  uint64_t seed = 1;
  bool keep = false;  // leave a failed scenario's stack running
};

/// Called as steps start (for live progress); may be empty.
using StepObserver = std::function<void(const std::string& scenario, const std::string& step)>;

struct ScenarioOutcome {
  ScenarioResult result;
  std::unique_ptr<Stack> kept;  // --keep and it failed: the stack, still running
};

ScenarioOutcome run_scenario(const Scenario& scenario, const RunConfig& config,
                             const StepObserver& observer);

}  // namespace kmslab::scenario
