#pragma once
// kmslab-apiserver's command line in tests: parse_flags on "kmslab-apiserver" + args.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/apiserver/app/config.hpp"

namespace kmslab::apiserver::app::testing {

inline std::optional<Config> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "kmslab-apiserver");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_flags(static_cast<int>(argv.size()), argv.data());
}

/// The refusal's message, "" when the flags are accepted.
inline std::string parse_error(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

inline Config parsed(std::vector<std::string> args) {
  return *parse(std::move(args));
}

}  // namespace kmslab::apiserver::app::testing
