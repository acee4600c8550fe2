#include "scenarios/runner/junit.hpp"

#include <cstdio>

#include "scenarios/runner/report/html_escape.hpp"

namespace kmslab::scenario {

namespace {

// The report's escape serves XML as it is: its entities are XML's, and it turns the C0 controls
// XML 1.0 forbids and invalid UTF-8 into U+FFFD, so a log tail never makes the file unreadable.
std::string xml_escape(const std::string& s) {
  return html::escaped(s);
}

std::string seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string failure_text(const ScenarioResult& s) {
  std::string out = s.message + "\nseed: " + std::to_string(s.seed) + "\n";
  if (s.failed_step >= 0 && s.failed_step < static_cast<int>(s.steps.size())) {
    const auto& st = s.steps[static_cast<size_t>(s.failed_step)];
    out += "\n--- request\n" + st.request + "\n--- response\n" + st.response + "\n";
  }
  return out + "\n--- logs\n" + s.log_tail;
}

}  // namespace

std::string junit_xml(const RunResult& run) {
  int failures = 0, errors = 0;
  for (const auto& s : run.scenarios) {
    failures += s.status == "failed";
    errors += s.status == "error";
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites tests=\"" + std::to_string(run.scenarios.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\" time=\"" +
         seconds(run.duration_ms) + "\">\n";
  out += "  <testsuite name=\"kmslab-scenarios\" tests=\"" + std::to_string(run.scenarios.size()) +
         "\" failures=\"" + std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
         "\" time=\"" + seconds(run.duration_ms) + "\" timestamp=\"" + xml_escape(run.started_at) +
         "\">\n";
  out += "    <properties><property name=\"seed\" value=\"" + std::to_string(run.seed) +
         "\"/></properties>\n";
  for (const auto& s : run.scenarios) {
    out += "    <testcase classname=\"scenarios\" name=\"" + xml_escape(s.name) + "\" file=\"" +
           xml_escape(s.file) + "\" time=\"" + seconds(s.duration_ms) + "\"";
    if (s.status == "passed") {
      out += "/>\n";
      continue;
    }
    const char* tag = s.status == "error" ? "error" : "failure";
    out += ">\n      <" + std::string(tag) + " message=\"" + xml_escape(s.message) + "\">" +
           xml_escape(failure_text(s)) + "</" + tag + ">\n    </testcase>\n";
  }
  return out + "  </testsuite>\n</testsuites>\n";
}

}  // namespace kmslab::scenario
