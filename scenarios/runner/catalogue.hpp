#pragma once
// Which scenario files a run reads and which of them it runs (../SCHEMA.md "Runner"): PATHS
// (files, or folders whose *.yaml are scenarios), --filter (NAME glob | tag:T | seed:ID,
// repeatable: any may match), and the `long` rule.
#include <filesystem>
#include <string>
#include <vector>

#include "scenarios/runner/model.hpp"

namespace kmslab::scenario {

struct Loaded {
  std::vector<Scenario> scenarios;
  std::vector<std::string> errors;  // FILE:LINE:COL: expected ... (one per bad file)
  std::vector<bool> named;          // per scenario: its file was given as a path itself
};

/// Reads every scenario under `paths`; includes resolve against the nearest folder (the file's,
/// then its parents') holding `fragments/`. Two scenarios with one name is an error.
Loaded load_scenarios(const std::vector<std::filesystem::path>& paths);

/// Whether `s` runs under `filters` (empty: all but `long` ones unless `named`).
bool selected(const Scenario& s, const std::vector<std::string>& filters, bool named);

/// The seed ids ("F1", "L4", ...) a seed README lists as "- ID text" lines.
std::vector<std::string> seed_ids_of(const std::string& readme_text);

}  // namespace kmslab::scenario
