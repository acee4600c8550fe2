#pragma once
// One client connection (plain or TLS, direct or through a CONNECT tunnel) with its own
// io_context, so blocking calls can still use Beast's per-operation timeouts.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "emulator/core/client/url.hpp"

namespace kmslab::core::client {

namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

/// Why an operation failed, already worded for the user.
struct ConnError {
  std::string message;
  bool transient = true;
  bool before_response = true;  // nothing was read yet: safe to resend on a fresh connection
};

struct DialPlan {
  const Url* target;
  const Url* proxy;                   // null: direct
  const std::string* source_address;  // empty: any
  boost::asio::ssl::context* tls;     // for https targets
  std::chrono::milliseconds connect_timeout;
  Clock::time_point deadline;
};

class Connection {
 public:
  /// Resolves, connects (binding the source address), tunnels through the proxy and shakes hands.
  static std::unique_ptr<Connection> dial(const DialPlan& plan, std::optional<ConnError>& error);

  /// Writes `request` and reads the response (at most `body_limit` bytes of body).
  std::optional<ConnError> exchange(http::request<http::string_body>& request,
                                    http::response<http::string_body>& response, size_t body_limit,
                                    Clock::time_point read_deadline);

 private:
  Connection() = default;
  std::optional<ConnError> connect_tcp(const Url& to, const std::string& source,
                                       Clock::time_point until);
  std::optional<ConnError> tunnel(const Url& target, Clock::time_point until);
  std::optional<ConnError> handshake(const Url& target, boost::asio::ssl::context& tls,
                                     Clock::time_point until);
  beast::tcp_stream& lowest();
  template <class Op>
  boost::system::error_code run(Clock::time_point until, Op&& op);

  boost::asio::io_context ioc_;  // declared first: outlives the streams
  std::unique_ptr<beast::tcp_stream> plain_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure_;
  beast::flat_buffer buffer_;
};

}  // namespace kmslab::core::client
