#pragma once
// The project's one HTTPS client (Key Vault, Entra ID and IMDS calls from the plugin; the
// scenario runner and the AKS supervisor): blocking calls, safe from many threads at once.
//  - keep-alive: idle connections are pooled per scheme://host:port and reused
//  - connect and read timeouts, and an optional overall deadline per request
//  - retries with exponential back-off and jitter (injected Rng, injected sleep) on 429, 5xx and
//    transport errors, honouring Retry-After; never past the deadline
//  - TLS verified against a CA bundle (or the system store), SNI and host/IP checks
//  - an HTTP CONNECT proxy for https URLs (what HTTPS_PROXY names)
//  - outgoing connections bound to a local source address (the firewall sees that address)
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/core/client/retry.hpp"
#include "emulator/core/client/url.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/rng.hpp"

namespace kmslab::core::client {

using Deadline = std::chrono::steady_clock::time_point;

struct ClientOptions {
  std::string ca_bundle_file;  // PEM; empty: the system's default trust store
  std::string ca_pem;          // extra PEM trust anchors held in memory
  std::string proxy;           // "http://host:port" CONNECT proxy for https URLs; empty: direct
  std::string source_address;  // local IP to bind outgoing sockets to; empty: any
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds read_timeout{30'000};
  RetryPolicy retry;
  size_t max_idle_per_host = 64;  // kube-apiserver can keep dozens of KMS calls in flight
  size_t body_limit = 16 * 1024 * 1024;
  std::string user_agent = "kmslab-client";
};

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<Deadline> deadline;  // no attempt, wait or read runs past it
};

struct Response {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  int attempts = 0;  // how many times the request was sent
  std::string header(const std::string& lowercase_name) const;
};

/// A request that got no HTTP answer (bad URL, DNS, refused, TLS, timeout, proxy refusal), after
/// the retries allowed. `transient` says whether a later try could succeed.
class TransportError : public std::runtime_error {
 public:
  TransportError(const std::string& what, bool transient, int attempts)
      : std::runtime_error(what), transient_(transient), attempts_(attempts) {}
  bool transient() const { return transient_; }
  int attempts() const { return attempts_; }

 private:
  bool transient_;
  int attempts_;
};

struct ClientStats {
  uint64_t connections_opened = 0;
  uint64_t requests_sent = 0;
};

class HttpClient {
 public:
  using Sleep = std::function<void(std::chrono::milliseconds)>;

  /// `clock` dates Retry-After HTTP dates; `rng` draws the jitter; `sleep` waits between tries
  /// (tests record instead of sleeping). Throws std::invalid_argument for a bad proxy URL,
  /// source address or CA bundle.
  HttpClient(ClientOptions options, const Clock& clock, Rng& rng, Sleep sleep = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends with retries; returns the final answer (which may be a 4xx/5xx), or throws
  /// TransportError.
  Response send(const Request& request);
  ClientStats stats() const;
  /// Closes pooled idle connections.
  void clear_idle();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kmslab::core::client
