// A scenario's timeline: virtual time runs left to right, one column per instant the virtual
// clock stood at (a manual clock only moves when a step moves it, so instants rather than a
// linear scale: the jumps between them are labelled), one lane per kind of event.
#include <array>
#include <map>
#include <optional>

#include "scenarios/runner/report/report_format.hpp"
#include "scenarios/runner/report/run_summary.hpp"
#include "scenarios/runner/report/sections.hpp"

namespace kmslab::scenario::report {
namespace {

constexpr size_t kMaxMarksPerCell = 40;

struct Lane {
  std::string_view kind;  // Event.kind, or "step" for the steps themselves
  std::string_view label;
};
constexpr std::array kLanes = {
    Lane{"step", "steps"},         Lane{"keyvault_call", "Key Vault"},
    Lane{"plugin_call", "plugin"}, Lane{"clock_jump", "clock"},
    Lane{"error", "errors"},       Lane{"process", "processes"},
    Lane{"other", "other"},
};

size_t lane_of(std::string_view kind) {
  for (size_t i = 0; i + 1 < kLanes.size(); ++i) {
    if (kLanes[i].kind == kind) return i;
  }
  return kLanes.size() - 1;
}

}  // namespace

std::string_view kind_label(std::string_view kind) {
  return kLanes[lane_of(kind)].label;
}
std::string_view kind_class(std::string_view kind) {
  return kLanes[lane_of(kind)].kind;
}

namespace {

struct Instant {
  std::optional<int64_t> ms;  // nullopt: items whose virtual time is not RFC 3339
  std::array<std::vector<size_t>, kLanes.size()> items;  // step indexes (lane 0), event indexes
};

std::vector<Instant> instants_of(const ScenarioResult& scenario) {
  std::map<int64_t, Instant> known;
  Instant unknown;
  const auto place = [&](const std::string& time, size_t lane, size_t item) {
    const auto ms = parse_time_ms(time);
    Instant& instant = ms ? known[*ms] : unknown;
    instant.ms = ms;
    instant.items[lane].push_back(item);
  };
  for (size_t i = 0; i < scenario.steps.size(); ++i) place(scenario.steps[i].virtual_time, 0, i);
  for (size_t i = 0; i < scenario.events.size(); ++i) {
    const auto& event = scenario.events[i];
    // A step event marks the step it names; the step itself is already in the lane.
    if (event.kind == "step") continue;
    place(event.virtual_time, lane_of(event.kind), i);
  }
  std::vector<Instant> ordered;
  for (auto& [ms, instant] : known) ordered.push_back(std::move(instant));
  bool any_unknown = false;
  for (const auto& items : unknown.items) any_unknown = any_unknown || !items.empty();
  if (any_unknown) ordered.push_back(std::move(unknown));
  return ordered;
}

void header_row(std::string& out, const std::vector<Instant>& instants) {
  out += "<thead><tr><th class=\"lane\">virtual time</th>";
  std::optional<int64_t> previous;
  std::string previous_date;
  for (size_t i = 0; i < instants.size(); ++i) {
    const auto& instant = instants[i];
    if (i > 0) {
      out += "<th class=\"jump\">";
      if (previous && instant.ms) text(out, format_jump_ms(*instant.ms - *previous));
      out += "</th>";
    }
    out += "<th class=\"instant\">";
    if (!instant.ms) {
      out += "time unknown</th>";
      continue;
    }
    text(out, time_of_day(*instant.ms));
    const auto date = date_of(*instant.ms);
    if (date != previous_date) {
      out += "<small>";
      text(out, date);
      out += "</small>";
    }
    out += "</th>";
    previous = instant.ms;
    previous_date = date;
  }
  out += "</tr></thead>";
}

void step_marks(std::string& out, const ScenarioResult& scenario, size_t index,
                const std::vector<size_t>& steps) {
  for (const size_t i : steps) {
    const auto& step = scenario.steps[i];
    out += "<a class=\"chip st-";
    out += status_class(step.status);
    out += "\" href=\"#" + step_anchor(index, i) + "\" title=\"";
    text(out, step.name);
    out += "\">" + std::to_string(i + 1) + "</a>";
  }
}

void event_marks(std::string& out, const ScenarioResult& scenario, size_t index,
                 const std::vector<size_t>& events, const std::vector<bool>& listed) {
  size_t shown = 0;
  for (const size_t i : events) {
    if (shown == kMaxMarksPerCell) break;
    ++shown;
    const auto& event = scenario.events[i];
    out += event.status == "error" ? "<a class=\"tick s-error\"" : "<a class=\"tick s-ok\"";
    if (listed[i]) out += " href=\"#" + event_anchor(index, i) + "\"";
    out += " title=\"";
    text(out, event.summary);
    out += "\"></a>";
  }
  if (events.size() > shown) {
    out += "<span class=\"more\">+" + std::to_string(events.size() - shown) + "</span>";
  }
}

}  // namespace

void write_timeline(std::string& out, const ScenarioResult& scenario, size_t index) {
  const auto instants = instants_of(scenario);
  if (instants.empty()) {
    out += "<p class=\"hint\">Nothing ran: no steps, no events.</p>";
    return;
  }
  const auto listed = listed_events(scenario);
  out += "<div class=\"timeline-wrap\"><table class=\"timeline\">";
  header_row(out, instants);
  out += "<tbody>";
  for (size_t lane = 0; lane < kLanes.size(); ++lane) {
    bool used = false;
    for (const auto& instant : instants) used = used || !instant.items[lane].empty();
    if (!used) continue;
    out += "<tr class=\"k-";
    out += kLanes[lane].kind;
    out += "\"><th class=\"lane\">";
    out += kLanes[lane].label;
    out += "</th>";
    for (size_t i = 0; i < instants.size(); ++i) {
      if (i > 0) out += "<td class=\"gap\"></td>";
      out += "<td>";
      const auto& items = instants[i].items[lane];
      lane == 0 ? step_marks(out, scenario, index, items)
                : event_marks(out, scenario, index, items, listed);
      out += "</td>";
    }
    out += "</tr>";
  }
  out += "</tbody></table></div>";
}

}  // namespace kmslab::scenario::report
