#include "emulator/core/flags.hpp"

#include <iostream>
#include <stdexcept>
#include <string>

namespace kmslab::core::flags {

std::optional<po::variables_map> parse(const po::options_description& desc, int argc, char** argv) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw std::invalid_argument(std::string(e.what()) + " (see --help)");
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return std::nullopt;
  }
  return vm;
}

VirtualClock::Mode clock_mode(const po::variables_map& vm) {
  const auto mode = vm["clock"].as<std::string>();
  if (mode == "manual") return VirtualClock::Mode::kManual;
  if (mode != "system")
    throw std::invalid_argument("--clock must be system or manual, not '" + mode + "'");
  return VirtualClock::Mode::kSystem;
}

LogLevel log_level(const po::variables_map& vm) {
  const auto level = parse_log_level(vm["log-level"].as<std::string>());
  if (!level) throw std::invalid_argument("--log-level must be debug, info, warn or error");
  return *level;
}

}  // namespace kmslab::core::flags
