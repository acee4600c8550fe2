// The top of the page: the verdict, the counts, the run's parameters, the failures with the
// command that re-runs each, and the filter bar.
#include <set>

#include "scenarios/runner/report/html_escape.hpp"
#include "scenarios/runner/report/report_format.hpp"
#include "scenarios/runner/report/run_summary.hpp"
#include "scenarios/runner/report/sections.hpp"

namespace kmslab::scenario::report {
namespace {

void count_card(std::string& out, std::string_view id, std::string_view css, std::string_view label,
                const std::string& value) {
  out += "<div class=\"card ";
  out += css;
  out += "\"><span class=\"value\" id=\"";
  out += id;
  out += "\">";
  text(out, value);
  out += "</span>";
  element(out, "span", "label", label);
  out += "</div>";
}

void fact(std::string& out, std::string_view label, const std::string& value) {
  out += "<div>";
  element(out, "dt", "", label);
  element(out, "dd", "", value);
  out += "</div>";
}

std::string first_line(const std::string& message) {
  return message.substr(0, message.find('\n'));
}

void write_failures(std::string& out, const RunResult& run) {
  std::string items;
  for (size_t i = 0; i < run.scenarios.size(); ++i) {
    const auto& scenario = run.scenarios[i];
    const auto status = status_class(scenario.status);
    if (status != "failed" && status != "error") continue;
    items += "<li class=\"failure st-";
    items += status;
    items += "\"><a href=\"#" + scenario_anchor(i) + "\">";
    text(items, scenario.name);
    items += "</a> ";
    badge(items, status);
    items += " ";
    element(items, "span", "why", first_line(scenario.message));
    items += "<div class=\"rerun\"><code>";
    text(items, rerun_command(run, scenario));
    items += "</code><button type=\"button\" class=\"copy\">copy</button></div></li>";
  }
  if (items.empty()) return;
  out +=
      "<section class=\"failures\"><h2>Failures</h2><p class=\"hint\">Re-run one with the "
      "command below; add <code>--keep</code> to leave its stack running.</p><ul>";
  out += items;
  out += "</ul></section>";
}

void option_list(std::string& out, std::string_view id, std::string_view label,
                 const std::set<std::string>& values) {
  out += "<label>";
  out += label;
  out += " <select id=\"";
  out += id;
  out += "\"><option value=\"\">all</option>";
  for (const auto& value : values) {
    out += "<option value=\"";
    text(out, value);
    out += "\">";
    text(out, value);
    out += "</option>";
  }
  out += "</select></label>";
}

}  // namespace

void write_summary(std::string& out, const RunResult& run) {
  const auto counts = count_statuses(run);
  const auto rows = seed_rows(run);
  size_t listed = 0, covered = 0;
  for (const auto& row : rows) {
    if (!row.listed) continue;
    ++listed;
    covered += row.scenarios.empty() ? 0 : 1;
  }
  const bool bad = counts.failed + counts.error > 0;
  const std::string_view verdict = counts.total() == 0 ? "empty" : bad ? "failed" : "passed";
  out += "<header class=\"run verdict-";
  out += verdict;
  out += "\"><h1>kmslab scenarios <span class=\"verdict\" id=\"verdict\">";
  out += counts.total() == 0 ? "no scenarios ran" : bad ? "failed" : "all passed";
  out += "</span></h1><dl class=\"facts\">";
  fact(out, "started", run.started_at.empty() ? "unknown" : run.started_at);
  fact(out, "duration", format_duration_ms(run.duration_ms));
  fact(out, "seed", std::to_string(run.seed));
  fact(out, "jobs", std::to_string(run.jobs));
  out += "</dl></header><section class=\"cards\">";
  count_card(out, "count-total", "total", "scenarios", std::to_string(counts.total()));
  count_card(out, "count-passed", "st-passed", "passed", std::to_string(counts.passed));
  count_card(out, "count-failed", "st-failed", "failed", std::to_string(counts.failed));
  count_card(out, "count-error", "st-error", "error", std::to_string(counts.error));
  if (counts.other > 0) {
    count_card(out, "count-other", "st-other", "other", std::to_string(counts.other));
  }
  count_card(out, "coverage", listed == covered ? "covered" : "gaps", "seed ids covered",
             std::to_string(covered) + " / " + std::to_string(listed));
  count_card(out, "count-uncovered", listed == covered ? "covered" : "uncovered",
             "seed ids not covered", std::to_string(listed - covered));
  out += "</section>";
  write_failures(out, run);
}

void write_filters(std::string& out, const RunResult& run) {
  std::set<std::string> tags, ids;
  for (const auto& scenario : run.scenarios) {
    tags.insert(scenario.tags.begin(), scenario.tags.end());
    ids.insert(scenario.covers.begin(), scenario.covers.end());
  }
  ids.insert(run.seed_ids.begin(), run.seed_ids.end());
  out += "<nav class=\"filters\" id=\"filters\"><span class=\"title\">Filter</span>";
  for (const std::string_view status : {"passed", "failed", "error"}) {
    out += "<label class=\"st-";
    out += status;
    out += "\"><input type=\"checkbox\" class=\"f-status\" value=\"";
    out += status;
    out += "\" checked> ";
    out += status;
    out += "</label>";
  }
  option_list(out, "f-tag", "tag", tags);
  option_list(out, "f-seed", "seed id", ids);
  out +=
      "<label>name <input type=\"search\" id=\"f-name\" placeholder=\"contains…\"></label>"
      "<span class=\"shown\" id=\"f-shown\"></span></nav>";
}

}  // namespace kmslab::scenario::report
