#include "scenarios/runner/report/run_summary.hpp"

#include <algorithm>
#include <map>

#include "scenarios/runner/report/report_format.hpp"

namespace kmslab::scenario::report {
namespace {

// Which status a seed id row shows when several scenarios cover it: the worst.
int severity(std::string_view status) {
  if (status == "error") return 4;
  if (status == "failed") return 3;
  if (status == "other" || status == "skipped") return 2;
  return 1;  // passed
}

}  // namespace

std::string_view status_class(std::string_view status) {
  for (const std::string_view known : {"passed", "failed", "error", "skipped"}) {
    if (status == known) return known;
  }
  return "other";
}

StatusCounts count_statuses(const RunResult& run) {
  StatusCounts counts;
  for (const auto& scenario : run.scenarios) {
    const auto status = status_class(scenario.status);
    int& slot = status == "passed"   ? counts.passed
                : status == "failed" ? counts.failed
                : status == "error"  ? counts.error
                                     : counts.other;
    ++slot;
  }
  return counts;
}

std::vector<SeedRow> seed_rows(const RunResult& run) {
  std::vector<SeedRow> rows;
  std::map<std::string, size_t, std::less<>> row_of;
  const auto row_for = [&](const std::string& id, bool listed) -> SeedRow& {
    auto [it, added] = row_of.emplace(id, rows.size());
    if (added) rows.push_back(SeedRow{id, listed, {}, "uncovered"});
    return rows[it->second];
  };
  for (const auto& id : run.seed_ids) row_for(id, true);
  for (size_t i = 0; i < run.scenarios.size(); ++i) {
    const auto& scenario = run.scenarios[i];
    const auto status = status_class(scenario.status);
    for (const auto& id : scenario.covers) {
      SeedRow& row = row_for(id, false);
      if (std::find(row.scenarios.begin(), row.scenarios.end(), i) != row.scenarios.end()) continue;
      row.scenarios.push_back(i);
      if (row.status == "uncovered" || severity(status) > severity(row.status)) {
        row.status = std::string(status == "skipped" ? "other" : status);
      }
    }
  }
  return rows;
}

std::string rerun_command(const RunResult& run, const ScenarioResult& scenario) {
  const uint64_t seed = scenario.seed != 0 ? scenario.seed : run.seed;
  std::string command = "tools/kmslab run ";
  command += scenario.file.empty() ? "--filter " + shell_quoted(scenario.name)
                                   : shell_quoted(scenario.file);
  return command + " --seed " + std::to_string(seed);
}

}  // namespace kmslab::scenario::report
