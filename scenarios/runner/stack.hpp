#pragma once
// One scenario's isolated stack (../SCHEMA.md "The stack"): its own kmslab-emulator (own data
// directory, ports picked by the kernel, manual clock, the run's seed, an admin token), the
// service principal the runner signs in with, and HTTPS clients that trust the emulator's CA.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/core/client/http_client.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/process.hpp"
#include "emulator/core/rng.hpp"

namespace kmslab::scenario {

struct StackOptions {
  std::filesystem::path emulator;  // the kmslab-emulator binary
  std::filesystem::path dir;       // this scenario's directory (data/, work/, emulator.log)
  uint64_t seed = 1;
  std::string clock_start;
  std::vector<std::string> args;  // extra emulator options
  std::string admin_token;
};

struct Endpoints {
  std::string url;    // https://127.0.0.1:PORT
  std::string proxy;  // http://127.0.0.1:PORT
  std::string ca_file;
  std::string imds;  // http://127.0.0.1:PORT, empty with --no-imds
  std::string identity_header;
  std::string tenant;
  std::string subscription;
  int pid = 0;
};

struct ServicePrincipal {
  std::string client_id;
  std::string client_secret;
  std::string tenant;
  std::string object_id;
};

/// A cluster's admin credentials, from listClusterAdminCredential.
struct ClusterAccess {
  std::string server;  // https://FQDN:443, reached through the CONNECT proxy
  std::string ca_pem;
  std::string token;
  std::filesystem::path kubeconfig;
};

class Stack {
 public:
  explicit Stack(StackOptions options);
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  /// Starts the emulator and registers the service principal; throws std::runtime_error with
  /// the log's tail when it does not come up within `within`.
  void start(std::chrono::milliseconds within);
  /// kill -9, then the same data directory and ports again.
  void restart_emulator(std::chrono::milliseconds within);
  void stop();

  const Endpoints& endpoints() const { return endpoints_; }
  const ServicePrincipal& principal() const { return principal_; }
  const StackOptions& options() const { return options_; }
  std::filesystem::path data_dir() const { return options_.dir / "data"; }
  std::filesystem::path work_dir() const { return options_.dir / "work"; }
  std::filesystem::path log_file() const { return options_.dir / "emulator.log"; }

  /// Straight to the emulator (ARM, admin, Entra ID, IMDS).
  core::client::HttpClient& direct();
  /// Through the CONNECT proxy (vault and cluster host names).
  core::client::HttpClient& proxied();
  /// Through the proxy, trusting the cluster's own CA.
  core::client::HttpClient& cluster_client(const std::string& ca_pem);

 private:
  void spawn(const std::vector<std::string>& port_args);
  void wait_ready(std::chrono::milliseconds within);
  void register_principal();
  void make_clients();

  StackOptions options_;
  core::WallClock wall_;
  core::SeededRng rng_;
  core::ChildProcess process_;
  Endpoints endpoints_;
  ServicePrincipal principal_;
  std::unique_ptr<core::client::HttpClient> direct_, proxied_;
  std::map<std::string, std::unique_ptr<core::client::HttpClient>> cluster_clients_;
};

/// HTTP client options for scenario steps: no retries (a step must see a 429 or a 503 as it
/// came), generous read timeouts (an advance waits for every subscriber).
core::client::ClientOptions step_client_options();

}  // namespace kmslab::scenario
