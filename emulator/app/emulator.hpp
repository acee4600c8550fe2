#pragma once
// kmslab-emulator assembled: clock, randomness, logs, metrics, store, CA, router, listeners.
// Components (Key Vault, identity, ARM, AKS) register their routes here as they land.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "emulator/aks/arm_only_control_planes.hpp"
#include "emulator/aks/supervisor/supervisor.hpp"
#include "emulator/app/config.hpp"
#include "emulator/app/incident/cluster_objects.hpp"
#include "emulator/app/incident/state_snapshot.hpp"
#include "emulator/arm/service.hpp"
#include "emulator/core/client/clock_link.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/clock_hub.hpp"
#include "emulator/core/dispatcher.hpp"
#include "emulator/core/ipv4.hpp"
#include "emulator/core/log.hpp"
#include "emulator/core/metrics.hpp"
#include "emulator/core/rng.hpp"
#include "emulator/core/router.hpp"
#include "emulator/core/server.hpp"
#include "emulator/core/tls/ca.hpp"
#include "emulator/core/tls/server_tls.hpp"
#include "emulator/core/tunnel_routes.hpp"
#include "emulator/faults/injector.hpp"
#include "emulator/identity/directory.hpp"
#include "emulator/identity/jwt.hpp"
#include "emulator/identity/rbac.hpp"
#include "emulator/identity/signing_key.hpp"
#include "emulator/identity/token_verifier.hpp"
#include "emulator/keyvault/service.hpp"
#include "emulator/keyvault/vault.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::app {

inline constexpr const char* kVersion = "0.1.0";

struct Endpoints {
  std::string main_url;   // https://127.0.0.1:PORT (http:// with --plain-http)
  std::string proxy_url;  // http://127.0.0.1:PORT
  std::string ca_path;
  std::string imds_url;  // http://127.0.0.1:PORT, the managed identity endpoints; empty: --no-imds
};

class Emulator {
 public:
  /// Opens the data directory, the store and the CA. Throws std::runtime_error with a message
  /// for the user (unwritable directory, corrupt store, ...).
  explicit Emulator(Config config);
  ~Emulator();

  /// Binds the listeners, starts the I/O threads, writes endpoints.json.
  void start();
  /// Starts a graceful shutdown (safe from any thread, or a signal handler's completion).
  void stop();
  /// Blocks until the emulator has stopped; SIGINT/SIGTERM stop it.
  void wait();

  const Endpoints& endpoints() const { return endpoints_; }
  core::VirtualClock& clock() { return *clock_; }
  store::Store& store() { return *store_; }
  /// The AKS clusters' process supervisor (with --aks-control-planes=processes, the default).
  aks::ProcessSupervisor& supervisor() { return *supervisor_; }
  std::string banner() const;

 private:
  std::vector<std::string> certificate_names() const;
  void restore_clock();
  incident::Snapshot read_import();
  void import_state(incident::Snapshot snapshot);
  void say_cluster_objects() const;
  void create_flag_vaults();
  void register_identity();
  void load_subnets();
  void register_network_admin(core::Router::GroupId admin);
  void register_managed_identity();
  std::function<core::Handler(core::Handler)> token_fault_guard(const std::string& service);
  void register_arm(core::Router::GroupId admin);
  void create_supervisor();
  /// --aks-cluster-store=etcd's etcd; throws std::invalid_argument naming the package if absent.
  std::filesystem::path etcd_binary(const std::string& path_env) const;
  identity::jwt::VerifyResult check_token(std::string_view token) const;
  void persist_clock();
  void start_clock_hub();
  void write_endpoints_file() const;

  Config config_;
  incident::ClusterObjects import_cluster_;  // --import-state's cluster store and objects
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> log_file_{nullptr, &std::fclose};
  std::unique_ptr<core::Logger> logger_;
  std::unique_ptr<core::VirtualClock> clock_;
  std::unique_ptr<core::Rng> rng_;
  // The processes that follow the clock (kmslab-apiserver), stepped through every advance.
  std::unique_ptr<core::client::HttpsStepTransport> step_transport_;
  std::unique_ptr<core::ClockHub> clock_hub_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<core::tls::CertificateAuthority> ca_;
  std::unique_ptr<core::tls::ServerTls> tls_;
  std::shared_ptr<const identity::SigningKey> signing_key_;
  std::unique_ptr<identity::TokenVerifier> tokens_;
  core::SubnetMap subnets_;
  std::unique_ptr<identity::Directory> directory_;
  /// The IDENTITY_HEADER App Service clients echo (a fresh value per start, published in
  /// endpoints.json).
  std::string identity_header_;
  std::unique_ptr<identity::RoleAssignments> role_assignments_;
  std::unique_ptr<keyvault::VaultRegistry> vaults_;
  std::unique_ptr<faults::FaultInjector> faults_;
  // Before the supervisor (which fills it) and the proxy (which reads it).
  core::TunnelRoutes tunnels_;
  // Before arm_, which drives it.
  std::unique_ptr<aks::ProcessSupervisor> supervisor_;
  std::unique_ptr<keyvault::KeyVaultService> keyvault_;
  std::unique_ptr<aks::ControlPlanes> control_planes_;  // before arm_: outlives it
  std::unique_ptr<arm::ArmService> arm_;
  // Each listener serves its own surface (listener_surface.hpp): https and the proxy's tunnels
  // Azure's hosts through router_, the managed identity listener imds_router_ alone.
  core::Router router_;
  std::unique_ptr<core::Dispatcher> dispatcher_;
  std::unique_ptr<core::RequestSink> main_sink_;
  core::Router imds_router_;
  std::unique_ptr<core::Dispatcher> imds_dispatcher_;
  boost::asio::io_context ioc_;
  std::unique_ptr<core::HttpServer> server_;
  std::unique_ptr<core::HttpServer> imds_server_;
  boost::asio::signal_set signals_{ioc_};
  std::vector<std::thread> threads_;
  Endpoints endpoints_;
  // Last, so destroyed first: after the I/O threads have stopped submitting, before the
  // services its tasks call into.
  std::unique_ptr<core::WorkerPool> workers_;
  std::unique_ptr<core::WorkerPool> clock_moves_;  // advances wait for subscribers here
};

}  // namespace kmslab::app
