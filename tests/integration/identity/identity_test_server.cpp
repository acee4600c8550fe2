// Test-only: the emulator's HTTPS core (store, CA, router, dispatcher, HTTPS + CONNECT proxy
// listeners) with only the identity routes, so real Azure SDKs can log in against it before the
// routes are wired into kmslab-emulator. Writes {"https","proxy","ca","tenant"} to
// <data-dir>/endpoints.json once listening; SIGTERM/SIGINT stop it.
//
//   identity_test_server --data-dir DIR [--tenant GUID] [--log-file FILE]
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "emulator/core/dispatcher.hpp"
#include "emulator/core/files.hpp"
#include "emulator/core/server.hpp"
#include "emulator/core/tls/ca.hpp"
#include "emulator/core/tls/server_tls.hpp"
#include "emulator/identity/routes.hpp"
#include "emulator/store/store.hpp"

namespace {

namespace core = kmslab::core;
namespace fs = std::filesystem;

const std::vector<std::string> kHosts = {"login.microsoftonline.com", "localhost", "127.0.0.1"};

std::map<std::string, std::string> parse_flags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  if (!flags.count("--data-dir")) {
    throw std::runtime_error("usage: identity_test_server --data-dir DIR [--tenant GUID]");
  }
  return flags;
}

int run(const std::map<std::string, std::string>& flags) {
  const fs::path dir = fs::absolute(flags.at("--data-dir"));
  fs::create_directories(dir);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> log_file{nullptr, &std::fclose};
  if (flags.count("--log-file")) log_file.reset(std::fopen(flags.at("--log-file").c_str(), "a"));
  core::Logger logger(log_file ? log_file.get() : stderr, core::LogLevel::kInfo);
  core::VirtualClock clock(core::VirtualClock::Mode::kSystem);
  core::SystemRng rng;
  core::MetricsRegistry metrics;
  auto store = kmslab::store::open_store("sqlite:" + (dir / "store.db").string());
  const auto ca = core::tls::CertificateAuthority::load_or_create(dir, core::wall_clock_now());
  core::tls::ServerTls tls(ca, kHosts, core::wall_clock_now);

  core::Router router;
  kmslab::identity::IdentityServices services;
  services.hosts = kHosts;
  services.signing_key = std::make_shared<const kmslab::identity::SigningKey>(
      kmslab::identity::SigningKey::load_or_create(*store));
  if (flags.count("--tenant")) services.default_tenant_id = flags.at("--tenant");
  const std::string tenant = services.default_tenant_id;
  kmslab::identity::register_identity_routes(router, std::move(services));
  core::Dispatcher dispatcher(router, clock, rng, logger, metrics);

  boost::asio::io_context ioc;
  core::ServerOptions options;
  options.proxy_allow = kHosts;
  core::HttpServer server(ioc, dispatcher, &tls.context(), options, metrics);
  const uint16_t port = server.listen("127.0.0.1", 0, core::HttpServer::Kind::kHttps);
  const uint16_t proxy_port = server.listen("127.0.0.1", 0, core::HttpServer::Kind::kProxy);

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    server.shutdown();
    ioc.stop();
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  const nlohmann::json endpoints = {{"https", "https://127.0.0.1:" + std::to_string(port)},
                                    {"proxy", "http://127.0.0.1:" + std::to_string(proxy_port)},
                                    {"ca", ca.cert_path().string()},
                                    {"tenant", tenant}};
  core::write_file_atomic(dir / "endpoints.json", endpoints.dump(2) + "\n", 0644);
  for (auto& t : threads) t.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_flags(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "identity_test_server: " << e.what() << "\n";
    return 1;
  }
}
