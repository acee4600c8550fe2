#pragma once
// The parts of the report page, each appended to `out` (html_report.cpp puts them in order).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/runner/results.hpp"

namespace kmslab::scenario::report {

void write_summary(std::string& out, const RunResult& run);
void write_filters(std::string& out, const RunResult& run);
void write_seed_table(std::string& out, const RunResult& run);
void write_scenario(std::string& out, const ScenarioResult& scenario, size_t index,
                    const RunResult& run);
/// The scenario's virtual-time axis: one column per instant of its virtual clock, a lane per
/// kind of event.
void write_timeline(std::string& out, const ScenarioResult& scenario, size_t index);

/// An Event.kind as the page names it ("Key Vault") and as its CSS knows it (unknown kinds:
/// "other").
std::string_view kind_label(std::string_view kind);
std::string_view kind_class(std::string_view kind);

/// Anchors: "sc3", "sc3-st2", "sc3-ev17" (indexes, never names from the file).
std::string scenario_anchor(size_t scenario);
std::string step_anchor(size_t scenario, size_t step);
std::string event_anchor(size_t scenario, size_t event);

/// Which events get their own row (and so an anchor): errors and clock jumps always, the others
/// up to a cap, so a scale scenario's thousands of calls stay readable.
std::vector<bool> listed_events(const ScenarioResult& scenario);
inline constexpr size_t kMaxListedEvents = 400;

/// Helpers shared by the sections: escaped text, and a tag with escaped text inside (nothing
/// when the text is empty; no class attribute when css_class is).
void text(std::string& out, std::string_view value);
void element(std::string& out, std::string_view tag, std::string_view css_class,
             std::string_view value);
/// A status pill: "passed" green, "failed" red, ...
void badge(std::string& out, std::string_view status);

}  // namespace kmslab::scenario::report
