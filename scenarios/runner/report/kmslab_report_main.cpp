// kmslab-report --json RUN.json --out REPORT.html: the runner's JSON result as the HTML report.
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "emulator/core/files.hpp"
#include "scenarios/runner/report/html_report.hpp"
#include "scenarios/runner/report/run_result_file.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: kmslab-report --json RUN.json --out REPORT.html\n"
    "  Renders a scenario run result (tools/kmslab run --json) as one self-contained HTML file.\n";

int usage_error(const std::string& why) {
  std::fprintf(stderr, "kmslab-report: %s\n%.*s", why.c_str(), static_cast<int>(kUsage.size()),
               kUsage.data());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path, out_path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return 0;
    }
    std::string* target = arg == "--json" ? &json_path : arg == "--out" ? &out_path : nullptr;
    if (target == nullptr) return usage_error("unknown argument " + std::string(arg));
    if (i + 1 >= argc) return usage_error(std::string(arg) + " needs a file");
    *target = argv[++i];
  }
  if (json_path.empty()) return usage_error("--json RUN.json is required");
  if (out_path.empty()) return usage_error("--out REPORT.html is required");
  try {
    const auto run = kmslab::scenario::read_run_result_file(json_path);
    kmslab::core::write_file_atomic(out_path, kmslab::scenario::render_html(run), 0644);
    const size_t count = run.scenarios.size();
    std::printf("kmslab-report: wrote %s (%zu scenario%s)\n", out_path.c_str(), count,
                count == 1 ? "" : "s");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kmslab-report: %s\n", e.what());
    return 1;
  }
}
