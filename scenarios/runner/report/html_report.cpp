#include "scenarios/runner/report/html_report.hpp"

#include "scenarios/runner/report/html_escape.hpp"
#include "scenarios/runner/report/report_assets.hpp"
#include "scenarios/runner/report/run_summary.hpp"
#include "scenarios/runner/report/sections.hpp"

namespace kmslab::scenario {
namespace report {

void text(std::string& out, std::string_view value) {
  html::append_escaped(out, value);
}

void element(std::string& out, std::string_view tag, std::string_view css_class,
             std::string_view value) {
  if (value.empty()) return;
  out += "<";
  out += tag;
  if (!css_class.empty()) {
    out += " class=\"";
    out += css_class;
    out += "\"";
  }
  out += ">";
  text(out, value);
  out += "</";
  out += tag;
  out += ">";
}

void badge(std::string& out, std::string_view status) {
  out += "<span class=\"badge st-";
  out += status_class(status);
  out += "\">";
  text(out, status.empty() ? "unknown" : status);
  out += "</span>";
}

std::string scenario_anchor(size_t scenario) {
  return "sc" + std::to_string(scenario);
}
std::string step_anchor(size_t scenario, size_t step) {
  return scenario_anchor(scenario) + "-st" + std::to_string(step);
}
std::string event_anchor(size_t scenario, size_t event) {
  return scenario_anchor(scenario) + "-ev" + std::to_string(event);
}

}  // namespace report

std::string render_html(const RunResult& run) {
  const auto counts = report::count_statuses(run);
  std::string out;
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      // Nothing may be fetched: the page is opened from file:// and mailed around.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
      "<title>kmslab scenarios: ";
  out += std::to_string(counts.passed) + " passed, " + std::to_string(counts.failed) + " failed, " +
         std::to_string(counts.error) + " error</title><style>";
  out += report::report_css();
  out += "</style></head><body><main>";
  report::write_summary(out, run);
  report::write_filters(out, run);
  report::write_seed_table(out, run);
  out += "<section class=\"scenarios\" id=\"scenarios\"><h2>Scenarios</h2>";
  if (run.scenarios.empty()) out += "<p class=\"hint\">No scenarios ran.</p>";
  for (size_t i = 0; i < run.scenarios.size(); ++i) {
    report::write_scenario(out, run.scenarios[i], i, run);
  }
  out +=
      "</section><footer>kmslab-report · virtual times are the scenario stack's clock (UTC); "
      "real times count from the scenario's start</footer></main><script>";
  out += report::report_js();
  out += "</script></body></html>\n";
  return out;
}

}  // namespace kmslab::scenario
