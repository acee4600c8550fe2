// kmslab-emulator: "Azure" on loopback. See --help.
#include <cstdio>
#include <exception>
#include <iostream>

#include "emulator/app/config.hpp"
#include "emulator/app/emulator.hpp"

int main(int argc, char** argv) {
  std::optional<kmslab::app::Config> config;
  try {
    config = kmslab::app::parse_flags(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "kmslab-emulator: " << e.what() << "\n";
    return 2;
  }
  if (!config) return 0;
  try {
    kmslab::app::Emulator emulator(std::move(*config));
    emulator.start();
    std::cout << emulator.banner() << std::flush;
    emulator.wait();
  } catch (const std::exception& e) {
    std::cerr << "kmslab-emulator: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
