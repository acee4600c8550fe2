#pragma once
// One kmslab-apiserver process: store, storage layer, Kubernetes API, TLS listener, kubeconfig.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "emulator/apiserver/app/config.hpp"
#include "emulator/apiserver/app/request_timeout.hpp"
#include "emulator/apiserver/encryption/config_watcher.hpp"
#include "emulator/apiserver/encryption/provider_set.hpp"
#include "emulator/apiserver/health/kms_calls.hpp"
#include "emulator/apiserver/k8s/api.hpp"
#include "emulator/apiserver/storage/object_storage.hpp"
#include "emulator/core/client/clock_link.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/dispatcher.hpp"
#include "emulator/core/log.hpp"
#include "emulator/core/metrics.hpp"
#include "emulator/core/rng.hpp"
#include "emulator/core/router.hpp"
#include "emulator/core/server.hpp"
#include "emulator/core/tls/server_tls.hpp"
#include "emulator/core/worker_pool.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::apiserver::app {

class Apiserver {
 public:
  /// Throws std::runtime_error with a message for the user (unusable data dir, store, flag).
  explicit Apiserver(Config config);
  ~Apiserver();

  /// Binds, starts the I/O threads, writes the kubeconfig.
  void start();
  void stop();
  /// Blocks until stopped.
  void wait();
  const std::string& url() const { return url_; }

 private:
  void write_kubeconfig() const;
  void prime_watch_cache();
  void observe_object_counts();
  void register_metrics_route();
  std::shared_ptr<const encryption::TransformerRegistry> load_encryption();
  void schedule_config_poll();
  std::string load_or_create_token();
  // Time: its own clock, or the emulator's followed (clock_protocol.md).
  std::unique_ptr<core::VirtualClock> make_clock();
  void register_clock_routes();
  void follow_leader();
  std::string subscriber_name() const;

  Config config_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> log_file_{nullptr, &std::fclose};
  std::unique_ptr<core::Logger> logger_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<core::Rng> rng_;
  core::WallClock wall_clock_;
  std::unique_ptr<core::client::ClockLeader> leader_;  // with --virtual-clock-url
  std::string step_secret_;                            // the leader's step calls carry it
  std::unique_ptr<core::VirtualClock> clock_;
  health::KmsCallRing kms_calls_{
      [this] { return clock_->now(); }};  // GET /_kmslab/kms-calls (for the AKS detector)
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<encryption::ConfigWatcher> watcher_;  // with automatic reload
  std::vector<encryption::HealthCheck> kms_checks_;
  core::VirtualClock::TimerId poll_timer_ = 0;
  core::VirtualClock::TimerId count_timer_ = 0;
  std::unique_ptr<storage::ObjectStorage> storage_;
  std::shared_ptr<k8s::WatchCache> watch_cache_;
  std::unique_ptr<core::tls::CertificateAuthority> ca_;
  std::unique_ptr<core::tls::ServerTls> tls_;
  std::string token_;
  core::Router router_;
  std::unique_ptr<k8s::KubeApi> api_;
  std::unique_ptr<core::Dispatcher> dispatcher_;
  boost::asio::io_context ioc_;
  std::unique_ptr<RequestTimeoutSink> timeout_sink_;  // in front of dispatcher_
  std::unique_ptr<core::HttpServer> server_;
  boost::asio::signal_set signals_{ioc_};
  std::vector<std::thread> threads_;
  std::string url_;
  // Non-long-running requests' handlers (request_timeout.hpp); destroyed (joined) before what
  // they use.
  std::unique_ptr<core::WorkerPool> request_handlers_;
  // Last, so destroyed first: clock steps wait here for the timers they run.
  std::unique_ptr<core::WorkerPool> clock_steps_;
};

}  // namespace kmslab::apiserver::app
