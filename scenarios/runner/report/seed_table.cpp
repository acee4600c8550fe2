// The seed id table: every documented behaviour id, the scenarios that show it and how they
// fared; an id no scenario covers stands out.
#include "scenarios/runner/report/run_summary.hpp"
#include "scenarios/runner/report/sections.hpp"

namespace kmslab::scenario::report {
namespace {

std::string_view status_label(std::string_view status) {
  return status == "uncovered" ? "not covered" : status;
}

void scenario_chips(std::string& out, const RunResult& run, const SeedRow& row) {
  for (const size_t i : row.scenarios) {
    const auto& scenario = run.scenarios[i];
    out += "<a class=\"chip st-";
    out += status_class(scenario.status);
    out += "\" href=\"#" + scenario_anchor(i) + "\">";
    text(out, scenario.name);
    out += "</a> ";
  }
}

// One tile per id, coloured by its result: the coverage at a glance.
void tiles(std::string& out, const std::vector<SeedRow>& rows) {
  out += "<div class=\"tiles\" id=\"seed-tiles\">";
  for (const auto& row : rows) {
    out += "<button type=\"button\" class=\"tile st-";
    out += row.status;
    out += "\" data-seed=\"";
    text(out, row.id);
    out += "\" title=\"";
    text(out, row.id);
    out += ": ";
    out += status_label(row.status);
    out += "\">";
    text(out, row.id);
    out += "</button>";
  }
  out += "</div>";
}

}  // namespace

void write_seed_table(std::string& out, const RunResult& run) {
  const auto rows = seed_rows(run);
  out += "<section class=\"seeds\"><h2>Seed ids</h2>";
  if (rows.empty()) {
    out += "<p class=\"hint\">The run lists no seed ids and no scenario covers one.</p></section>";
    return;
  }
  tiles(out, rows);
  out +=
      "<table class=\"seed-table\" id=\"seed-table\"><thead><tr><th>id</th><th>result</th>"
      "<th>scenarios</th></tr></thead><tbody>";
  for (const auto& row : rows) {
    out += "<tr class=\"seed st-";
    out += row.status;
    out += row.listed ? "" : " unlisted";
    out += "\" data-seed=\"";
    text(out, row.id);
    out += "\"><th><button type=\"button\" class=\"seed-id\" data-seed=\"";
    text(out, row.id);
    out += "\" title=\"show the scenarios covering this id\">";
    text(out, row.id);
    out += "</button></th><td><span class=\"badge st-";
    out += row.status;
    out += "\">";
    out += status_label(row.status);
    out += "</span>";
    if (!row.listed) out += " <span class=\"note\">not in the seed list</span>";
    out += "</td><td>";
    if (row.scenarios.empty()) {
      out += "<span class=\"none\">no scenario covers this id</span>";
    } else {
      scenario_chips(out, run, row);
    }
    out += "</td></tr>";
  }
  out += "</tbody></table></section>";
}

}  // namespace kmslab::scenario::report
