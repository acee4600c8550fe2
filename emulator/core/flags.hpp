#pragma once
// Command-line handling the kmslab processes share (emulator, apiserver): one way to parse argv
// against a program_options description, and the flags they all take with one wording.
#include <boost/program_options.hpp>
#include <optional>

#include "emulator/core/clock.hpp"
#include "emulator/core/log.hpp"

namespace kmslab::core::flags {

namespace po = boost::program_options;

/// Parses argv. Prints the description and returns nullopt for --help; throws
/// std::invalid_argument "<what> (see --help)" for an unknown or malformed flag.
std::optional<po::variables_map> parse(const po::options_description& desc, int argc, char** argv);

/// `--clock system|manual`.
VirtualClock::Mode clock_mode(const po::variables_map& vm);

/// `--log-level debug|info|warn|error`.
LogLevel log_level(const po::variables_map& vm);

}  // namespace kmslab::core::flags
