#pragma once
// Upstream's health check (pkg/plugin/healthz.go, reference §7.5): over the plugin's own socket,
// v1 Version (version, runtime name and version) and v2 Status (version v2beta1) -> 503 on
// failure; then v1 and v2 Encrypt/Decrypt of "healthcheck" -> 500 on failure; else 200 "ok".
// Six Key Vault calls per probe (two in Status, four after). Served, with /metrics, by the
// project's HTTP server on loopback listeners.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "emulator/core/dispatcher.hpp"
#include "emulator/core/metrics.hpp"
#include "emulator/core/server.hpp"
#include "plugin/grpc/kms_contract.hpp"
#include "plugin/grpc/listen_address.hpp"

namespace kmslab::plugin {

struct HealthResult {
  unsigned status = 200;
  std::string body = "ok";
};

class HealthCheck {
 public:
  HealthCheck(const ListenAddress& socket, KmsContract& kms, std::chrono::milliseconds rpc_timeout);
  HealthResult check();

 private:
  std::string target_;
  KmsContract& kms_;
  std::chrono::milliseconds timeout_;
};

/// GET <healthz path> on one port, GET /metrics on another (upstream: two servers).
class HealthServer final : public core::RequestSink {
 public:
  HealthServer(HealthCheck& check, std::string healthz_path, core::MetricsRegistry& metrics);
  ~HealthServer() override;
  /// Binds both listeners (port 0: any free port); returns {healthz port, metrics port}.
  std::pair<uint16_t, uint16_t> start(const std::string& address, uint16_t healthz_port,
                                      uint16_t metrics_port);
  void stop();

  core::HttpResponse handle(core::HttpRequest&& request, const core::ConnectionInfo& info) override;
  core::HttpResponse reject(const core::ApiError& error, unsigned version,
                            const core::ConnectionInfo& info) override;

 private:
  HealthCheck& check_;
  std::string path_;
  core::MetricsRegistry& metrics_;
  boost::asio::io_context ioc_;
  std::unique_ptr<core::HttpServer> server_;
  uint16_t healthz_port_ = 0, metrics_port_ = 0;
  std::thread thread_;
};

}  // namespace kmslab::plugin
