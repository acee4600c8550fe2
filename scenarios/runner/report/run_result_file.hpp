#pragma once
// Reading the runner's `--json` output back into a RunResult.
#include <filesystem>
#include <stdexcept>
#include <string_view>

#include "scenarios/runner/results.hpp"

namespace kmslab::scenario {

/// Why a run result could not be read: says what was wrong (not JSON, at which byte; a field of
/// the wrong type).
class RunResultError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parses the JSON text of a RunResult. Throws RunResultError.
RunResult parse_run_result(std::string_view json_text);
/// Reads and parses a file. Throws RunResultError naming the file.
RunResult read_run_result_file(const std::filesystem::path& path);

}  // namespace kmslab::scenario
