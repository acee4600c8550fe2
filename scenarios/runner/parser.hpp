#pragma once
// Reads scenario and fragment files (../SCHEMA.md) with yaml-cpp. Everything is checked before a
// step runs: a mistake throws ParseError worded `FILE:LINE:COLUMN: expected ...`, at the node
// that is wrong (yaml-cpp's marks, 1-based here), and unknown keys are mistakes.
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "scenarios/runner/model.hpp"

namespace kmslab::scenario {

class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Loads the fragment an include names: `file` as written, `from` the file that includes it.
/// Throws ParseError (a missing file is reported at the include's `file` node by the caller).
using FragmentLoader = std::function<std::shared_ptr<const Fragment>(const std::string& file,
                                                                     const std::string& from)>;

/// Parses one scenario document. `file` names it in messages.
Scenario parse_scenario(const std::string& text, const std::string& file,
                        const FragmentLoader& loader);
Fragment parse_fragment(const std::string& text, const std::string& file,
                        const FragmentLoader& loader);

/// Reads files from disk; includes resolve against `scenarios_root` (the folder holding
/// `fragments/`), each fragment parsed once, include cycles refused.
class FileLoader {
 public:
  explicit FileLoader(std::filesystem::path scenarios_root);
  Scenario scenario(const std::filesystem::path& file);
  FragmentLoader fragments();

 private:
  std::shared_ptr<const Fragment> load(const std::string& file, const std::string& from);

  std::filesystem::path root_;
  std::map<std::string, std::shared_ptr<const Fragment>> cache_;
  std::vector<std::string> loading_;
};

/// Built-in variable names (read-only: vars and captures may not use them).
bool is_builtin_variable(const std::string& name);

}  // namespace kmslab::scenario
