#pragma once
// The transport: Boost.Beast over Asio, C++20 coroutines, one session type over "some stream".
// It reads requests (with timeouts and size limits at the read site), hands them to a
// RequestSink and writes what it returns. It knows nothing of routes.
//
// Three kinds of listener share it:
//  - https: TLS (the certificate chosen by SNI); a plain-HTTP request gets a clear 400
//  - http:  plain HTTP (`--plain-http`)
//  - proxy: an HTTP CONNECT proxy that never forwards anywhere: a tunnel to an allowed host
//    (*.vault.azure.net, management.azure.com, ...) ends here, in this process, as if the client
//    had reached that host; other destinations get a 403 (the decision: proxy_policy.hpp). The
//    names of `tunnel_routes` (AKS API servers) are passed through, as TCP, to their loopback
//    endpoint (tunnel_routes.hpp).
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/core/dispatcher.hpp"
#include "emulator/core/metrics.hpp"
#include "emulator/core/tunnel_routes.hpp"

namespace kmslab::core {

struct ServerOptions {
  size_t header_limit = 16 * 1024;
  size_t body_limit = 4 * 1024 * 1024;
  std::chrono::milliseconds read_timeout{30'000};  // per request, and idle keep-alive
  std::chrono::milliseconds handshake_timeout{10'000};
  // After a failed accept() (EMFILE, ENFILE, ENOBUFS...): the first pause, doubled per failure
  // in a row up to the cap.
  std::chrono::milliseconds accept_backoff_min{10};
  std::chrono::milliseconds accept_backoff_max{1'000};
  /// Host patterns ("*.vault.azure.net", "localhost") the proxy tunnels to.
  std::vector<std::string> proxy_allow;
  /// host:port -> loopback endpoint passthroughs, checked before proxy_allow; may be null. Must
  /// outlive the server.
  const TunnelRoutes* tunnel_routes = nullptr;
};

class HttpServer {
 public:
  enum class Kind { kHttps, kHttp, kProxy };

  /// `tls` may be null only if no https listener is opened and the proxy is not used for TLS.
  HttpServer(boost::asio::io_context& ioc, RequestSink& sink, boost::asio::ssl::context* tls,
             ServerOptions options, MetricsRegistry& metrics);
  ~HttpServer();

  /// Binds and starts accepting; returns the bound port (useful with port 0). Throws
  /// boost::system::system_error if the address cannot be bound.
  uint16_t listen(const std::string& address, uint16_t port, Kind kind);
  /// Stops accepting and closes idle connections; requests in flight finish and their
  /// connections then close.
  void shutdown();
  size_t open_connections() const;

  struct ConnState;  // per-connection bookkeeping for shutdown (server.cpp)

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

/// The end of a graceful shutdown, after HttpServer::shutdown() of each of `servers` (the
/// listeners sharing `ioc`): requests in flight get until `deadline` to finish, then `ioc` stops
/// regardless (its run() calls return).
void stop_when_idle(boost::asio::io_context& ioc, std::vector<HttpServer*> servers,
                    std::chrono::steady_clock::time_point deadline);

}  // namespace kmslab::core
