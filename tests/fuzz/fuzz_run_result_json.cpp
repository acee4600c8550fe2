// The run report's input: raw bytes -> parse_run_result (the runner's --json file) -> render_html.
// A file that reads must render, whatever its strings, indexes and times hold.
#include <cstdint>
#include <string_view>

#include "scenarios/runner/report/html_report.hpp"
#include "scenarios/runner/report/run_result_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kmslab::scenario;
  RunResult run;
  try {
    run = parse_run_result(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const RunResultError&) {
    return 0;
  }
  const auto html = render_html(run);
  if (html.find("</html>") == std::string::npos) __builtin_trap();
  return 0;
}
