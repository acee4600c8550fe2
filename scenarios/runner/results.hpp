#pragma once
// What a run produced: written by the runner (`--json`), read by the HTML report (`--report`)
// and the JUnit writer. Plain data with one JSON form (nlohmann's macros, missing fields take
// their defaults so older files still read).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kmslab::scenario {

/// Something that happened in a scenario's stack, placed on its timeline.
struct Event {
  std::string kind;          // keyvault_call | plugin_call | clock_jump | error | process | step
  std::string virtual_time;  // RFC 3339 on the stack's virtual clock
  int64_t real_ms = 0;       // real milliseconds since the scenario started
  std::string summary;       // one line: "KeyDecrypt k1 -> 403 KeyExpired", "+4m"
  std::string detail;        // optional longer text (message, caller, log lines)
  std::string status;        // ok | error (drives colour)
  int step = -1;             // index of the step it happened during, -1 when unknown
};

/// One step's outcome.
struct StepResult {
  int index = 0;
  std::string name;
  std::string note;
  std::string action;  // arm | keyvault | token | kube | stored | metrics | clock | fault | ...
  int line = 0;        // line of the step in its file
  std::string file;    // that file (a fragment's, for the steps an include ran)
  std::string status;  // passed | failed | skipped (after a failure)
  int64_t duration_ms = 0;
  std::string virtual_time;  // when it started, on the virtual clock
  std::string request;       // what was sent (method, URL, headers without secrets, body excerpt)
  std::string response;      // what came back (status, headers, body excerpt) or command output
  std::string message;       // why it failed: the assertion and the value it saw
};

struct ScenarioResult {
  std::string name;
  std::string file;
  std::string description;
  std::vector<std::string> covers;
  std::vector<std::string> tags;
  std::string status;  // passed | failed | error (the stack would not start, a bad file)
  uint64_t seed = 0;
  int64_t duration_ms = 0;
  int failed_step = -1;  // index into steps, -1 when none failed
  std::string message;   // failure summary
  std::string log_tail;  // last lines of the relevant process logs, for a failure
  std::string kept;      // --keep: how to reach the stack left running
  std::vector<StepResult> steps;
  std::vector<Event> events;
};

struct RunResult {
  std::string started_at;  // RFC 3339, real time
  uint64_t seed = 0;
  int jobs = 1;
  int64_t duration_ms = 0;
  std::vector<ScenarioResult> scenarios;
  /// Every seed id of ../shared/seed/README.md, so a report can show the ones nothing covers.
  std::vector<std::string> seed_ids;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Event, kind, virtual_time, real_ms, summary, detail,
                                                status, step)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StepResult, index, name, note, action, line, file,
                                                status, duration_ms, virtual_time, request,
                                                response, message)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ScenarioResult, name, file, description, covers,
                                                tags, status, seed, duration_ms, failed_step,
                                                message, log_tail, kept, steps, events)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RunResult, started_at, seed, jobs, duration_ms,
                                                scenarios, seed_ids)

}  // namespace kmslab::scenario
