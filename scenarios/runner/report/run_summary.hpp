#pragma once
// What the report derives from a RunResult before drawing it: status counts, seed id coverage,
// the command that re-runs a failure. Kept apart from the HTML so tests can check the figures.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/runner/results.hpp"

namespace kmslab::scenario::report {

struct StatusCounts {
  int passed = 0;
  int failed = 0;
  int error = 0;
  int other = 0;  // a status the report does not know (a newer runner)
  int total() const { return passed + failed + error + other; }
};

StatusCounts count_statuses(const RunResult& run);

/// One row of the seed id table.
struct SeedRow {
  std::string id;
  bool listed = true;  // in RunResult.seed_ids (false: only a scenario's `covers` names it)
  std::vector<size_t> scenarios;  // indexes into RunResult.scenarios covering it
  std::string status;             // uncovered | passed | failed | error | other (worst first)
};

/// Every id of seed_ids in their order, then ids scenarios cover that seed_ids lacks.
std::vector<SeedRow> seed_rows(const RunResult& run);

/// A status as one of the names the page's CSS and filters know: passed, failed, error, skipped,
/// or other. Never the raw string, which comes from the file.
std::string_view status_class(std::string_view status);

/// `tools/kmslab run FILE --seed S` (SCHEMA.md "Runner"), for a failed or errored scenario.
std::string rerun_command(const RunResult& run, const ScenarioResult& scenario);

}  // namespace kmslab::scenario::report
