#include "scenarios/runner/report/run_result_file.hpp"

#include "emulator/core/files.hpp"

namespace kmslab::scenario {

RunResult parse_run_result(std::string_view json_text) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw RunResultError("not JSON: " + std::string(e.what()));
  }
  if (!json.is_object()) {
    throw RunResultError(std::string("not a run result: the top level is ") + json.type_name() +
                         ", not an object");
  }
  try {
    return json.get<RunResult>();
  } catch (const nlohmann::json::exception& e) {
    throw RunResultError("not a run result: " + std::string(e.what()));
  }
}

RunResult read_run_result_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw RunResultError(path.string() + ": is a directory, not a run result file");
  }
  std::string text;
  try {
    text = core::read_file(path);
  } catch (const std::exception& e) {
    throw RunResultError(e.what());
  }
  try {
    return parse_run_result(text);
  } catch (const RunResultError& e) {
    throw RunResultError(path.string() + ": " + e.what());
  }
}

}  // namespace kmslab::scenario
