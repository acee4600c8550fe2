#include "scenarios/runner/report/run_result_file.hpp"

#include "emulator/core/files.hpp"
#include "emulator/core/json_input.hpp"

namespace kmslab::scenario {
namespace {

// Every number of the model is an integer (int, int64, uint64). nlohmann converts a float to those
// by a plain cast, undefined behaviour out of range (fuzz_run_result_json found it): refuse such a
// float, naming where it is. |value| < 2^31 fits every field.
void check_numbers(const nlohmann::json& value, const std::string& where) {
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (!(number > -2147483648.0 && number < 2147483648.0)) {
      throw RunResultError("not a run result: the number " + value.dump() + " at " +
                           (where.empty() ? "/" : where) + " is out of range");
    }
    return;
  }
  if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i)
      check_numbers(value[i], where + "/" + std::to_string(i));
  } else if (value.is_object()) {
    for (const auto& [key, member] : value.items()) check_numbers(member, where + "/" + key);
  }
}

}  // namespace

RunResult parse_run_result(std::string_view json_text) {
  const auto json = core::parse_untrusted_json(json_text);
  if (json.is_discarded()) {
    // Parse again for nlohmann's account of where it broke (only on this error path).
    try {
      const auto reparsed = nlohmann::json::parse(json_text);
      (void)reparsed;
    } catch (const nlohmann::json::exception& e) {  // parse_error, out_of_range (1e400)
      throw RunResultError("not JSON: " + std::string(e.what()));
    }
    throw RunResultError("not a run result: nests deeper than " +
                         std::to_string(core::kMaxJsonDepth) + " arrays/objects");
  }
  if (!json.is_object()) {
    throw RunResultError(std::string("not a run result: the top level is ") + json.type_name() +
                         ", not an object");
  }
  check_numbers(json, "");
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
