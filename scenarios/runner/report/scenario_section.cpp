// One scenario: its header (status, file, covers, tags), description, failure, timeline, and
// its steps with the events each caused; the failing step is open and highlighted.
#include "scenarios/runner/report/report_format.hpp"
#include "scenarios/runner/report/run_summary.hpp"
#include "scenarios/runner/report/sections.hpp"

namespace kmslab::scenario::report {
namespace {

std::string joined_for_filter(const std::vector<std::string>& values) {
  std::string out = "|";
  for (const auto& value : values) out += value + "|";
  return out;
}

void chips(std::string& out, std::string_view css, const std::vector<std::string>& values) {
  for (const auto& value : values) element(out, "span", css, value);
}

void pre_block(std::string& out, std::string_view title, const std::string& body) {
  if (body.empty()) return;
  out += "<div class=\"block\">";
  element(out, "h4", "", title);
  element(out, "pre", "", body);
  out += "</div>";
}

// When a time is not RFC 3339 the page shows it as the file had it.
std::string shown_time(const std::string& virtual_time) {
  const auto ms = parse_time_ms(virtual_time);
  return ms ? time_of_day(*ms) : virtual_time;
}

int failing_step(const ScenarioResult& scenario) {
  const auto size = static_cast<int>(scenario.steps.size());
  if (scenario.failed_step >= 0 && scenario.failed_step < size) return scenario.failed_step;
  for (int i = 0; i < size; ++i) {
    if (scenario.steps[static_cast<size_t>(i)].status == "failed") return i;
  }
  return -1;
}

// Event indexes per step; the last entry holds the events outside any step.
std::vector<std::vector<size_t>> events_by_step(const ScenarioResult& scenario) {
  std::vector<std::vector<size_t>> groups(scenario.steps.size() + 1);
  for (size_t i = 0; i < scenario.events.size(); ++i) {
    const int step = scenario.events[i].step;
    const bool inside = step >= 0 && static_cast<size_t>(step) < scenario.steps.size();
    groups[inside ? static_cast<size_t>(step) : scenario.steps.size()].push_back(i);
  }
  return groups;
}

void event_row(std::string& out, const ScenarioResult& scenario, size_t index, size_t e) {
  const auto& event = scenario.events[e];
  out += "<li class=\"event k-";
  out += kind_class(event.kind);
  out += event.status == "error" ? " s-error" : " s-ok";
  out += "\" id=\"" + event_anchor(index, e) + "\"><span class=\"kind\">";
  out += kind_label(event.kind);
  out += "</span><span class=\"vt\">";
  text(out, shown_time(event.virtual_time));
  out += "</span><span class=\"rt\">+";
  text(out, format_duration_ms(event.real_ms));
  out += "</span><span class=\"summary\">";
  text(out, event.summary);
  out += "</span>";
  if (!event.detail.empty()) {
    out += "<details class=\"detail\"><summary>detail</summary><pre>";
    text(out, event.detail);
    out += "</pre></details>";
  }
  out += "</li>";
}

void event_list(std::string& out, const ScenarioResult& scenario, size_t index,
                const std::vector<size_t>& events, const std::vector<bool>& listed) {
  if (events.empty()) return;
  size_t hidden = 0;
  out += "<ul class=\"events\">";
  for (const size_t e : events) {
    listed[e] ? event_row(out, scenario, index, e) : void(++hidden);
  }
  out += "</ul>";
  if (hidden > 0) {
    out += "<p class=\"hint\">" + std::to_string(hidden) +
           " more events not listed (the run's JSON has them all).</p>";
  }
}

std::string event_count(const ScenarioResult& scenario, const std::vector<size_t>& events) {
  if (events.empty()) return "";
  size_t errors = 0;
  for (const size_t e : events) errors += scenario.events[e].status == "error" ? 1 : 0;
  std::string out = std::to_string(events.size()) + (events.size() == 1 ? " event" : " events");
  if (errors > 0) out += ", " + std::to_string(errors) + (errors == 1 ? " error" : " errors");
  return out;
}

struct StepContext {
  const ScenarioResult& scenario;
  size_t index;
  int failing;
  const std::vector<std::vector<size_t>>& groups;
  const std::vector<bool>& listed;
};

void step_item(std::string& out, const StepContext& context, size_t i) {
  const auto& step = context.scenario.steps[i];
  const bool failing = static_cast<int>(i) == context.failing;
  const auto status = status_class(step.status);
  out += "<li><details class=\"step st-";
  out += status;
  out += failing ? " failing\" open" : "\"";
  out += " id=\"" + step_anchor(context.index, i) + "\"><summary><span class=\"num\">" +
         std::to_string(i + 1) + "</span>";
  badge(out, step.status);
  element(out, "span", "sname", step.name);
  element(out, "span", "action", step.action);
  element(out, "span", "vt", shown_time(step.virtual_time));
  element(out, "span", "dur", format_duration_ms(step.duration_ms));
  element(out, "span", "evcount", event_count(context.scenario, context.groups[i]));
  out += "</summary><div class=\"step-body\">";
  if (!step.note.empty()) element(out, "p", "note", step.note);
  if (step.line > 0) element(out, "p", "where", "line " + std::to_string(step.line));
  if (!step.message.empty()) element(out, "div", "message", step.message);
  out += "<div class=\"io\">";
  pre_block(out, "request", step.request);
  pre_block(out, "response", step.response);
  out += "</div>";
  if (failing) pre_block(out, "log tail", context.scenario.log_tail);
  event_list(out, context.scenario, context.index, context.groups[i], context.listed);
  out += "</div></details></li>";
}

void scenario_header(std::string& out, const ScenarioResult& scenario) {
  out += "<summary>";
  badge(out, scenario.status);
  element(out, "span", "name", scenario.name);
  element(out, "span", "file", scenario.file);
  element(out, "span", "dur", format_duration_ms(scenario.duration_ms));
  out += "<span class=\"ids\">";
  chips(out, "chip id", scenario.covers);
  chips(out, "chip tag", scenario.tags);
  out += "</span></summary>";
}

}  // namespace

std::vector<bool> listed_events(const ScenarioResult& scenario) {
  std::vector<bool> listed(scenario.events.size());
  size_t ordinary = 0;
  for (size_t i = 0; i < listed.size(); ++i) {
    const auto& event = scenario.events[i];
    const bool always =
        event.status == "error" || event.kind == "error" || event.kind == "clock_jump";
    listed[i] = always || ordinary++ < kMaxListedEvents;
  }
  return listed;
}

void write_scenario(std::string& out, const ScenarioResult& scenario, size_t index,
                    const RunResult& run) {
  const auto status = status_class(scenario.status);
  const bool bad = status == "failed" || status == "error";
  out += "<section class=\"scenario st-";
  out += status;
  out += "\" id=\"" + scenario_anchor(index) + "\" data-status=\"";
  out += status;
  out += "\" data-name=\"";
  text(out, scenario.name);
  out += "\" data-tags=\"";
  text(out, joined_for_filter(scenario.tags));
  out += "\" data-covers=\"";
  text(out, joined_for_filter(scenario.covers));
  out += bad ? "\"><details open>" : "\"><details>";
  scenario_header(out, scenario);
  out += "<div class=\"scenario-body\">";
  if (!scenario.description.empty()) element(out, "p", "description", scenario.description);
  if (bad && !scenario.message.empty()) element(out, "div", "message", scenario.message);
  if (bad) element(out, "p", "rerun", "re-run: " + rerun_command(run, scenario));
  if (!scenario.kept.empty()) pre_block(out, "kept running", scenario.kept);
  const int failing = failing_step(scenario);
  if (failing < 0 && bad) pre_block(out, "log tail", scenario.log_tail);
  out += "<h3>Timeline</h3>";
  write_timeline(out, scenario, index);
  const auto groups = events_by_step(scenario);
  const auto listed = listed_events(scenario);
  if (!scenario.steps.empty()) {
    out += "<h3>Steps</h3><ol class=\"steps\">";
    const StepContext context{scenario, index, failing, groups, listed};
    for (size_t i = 0; i < scenario.steps.size(); ++i) step_item(out, context, i);
    out += "</ol>";
  }
  if (!groups.back().empty()) {
    out += "<h3>Outside any step</h3>";
    event_list(out, scenario, index, groups.back(), listed);
  }
  out += "</div></details></section>";
}

}  // namespace kmslab::scenario::report
