// kmslab-apiserver: a simulated kube-apiserver on loopback. See --help.
#include <exception>
#include <iostream>

#include "emulator/apiserver/app/apiserver.hpp"
#include "emulator/apiserver/app/config.hpp"

int main(int argc, char** argv) {
  std::optional<kmslab::apiserver::app::Config> config;
  try {
    config = kmslab::apiserver::app::parse_flags(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "kmslab-apiserver: " << e.what() << "\n";
    return 2;
  }
  if (!config) return 0;
  try {
    kmslab::apiserver::app::Apiserver server(std::move(*config));
    server.start();
    std::cout << "kmslab-apiserver ready at " << server.url() << "\n" << std::flush;
    server.wait();
  } catch (const std::exception& e) {
    std::cerr << "kmslab-apiserver: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
