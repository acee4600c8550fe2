// libFuzzer target: scenario and fragment files (scenarios/runner/parser.*). Any input either
// parses or throws ParseError; nothing else may escape, and nothing may crash or hang. The
// parsed steps then go through substitution, as they would before running.
#include <cstddef>
#include <cstdint>
#include <string>

#include "scenarios/runner/parser.hpp"
#include "scenarios/runner/vars.hpp"

using namespace kmslab::scenario;

namespace {

std::shared_ptr<const Fragment> loader(const std::string& file, const std::string&) {
  if (file.size() % 2) throw ParseError(file + ":1:1: expected a fragment");
  auto f = std::make_shared<Fragment>();
  f->file = file;
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const Vars vars = {{"RG", "rg"}, {"X", "${X}"}};
  try {
    const Scenario s = parse_scenario(text, "fuzz.yaml", loader);
    for (const auto& step : s.steps) {
      try {
        (void)substitute_all(step.fields, vars);
        (void)substitute_all(step.expect, vars);
      } catch (const UnknownVariable&) {
      } catch (const std::invalid_argument&) {
      }
    }
  } catch (const ParseError&) {
  }
  try {
    (void)parse_fragment(text, "fragment.yaml", loader);
  } catch (const ParseError&) {
  }
  return 0;
}
