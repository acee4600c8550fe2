#pragma once
// The types that cross the line between transport and handlers.
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "emulator/core/api_error.hpp"

namespace kmslab::core {

class StreamBody;  // stream_body.hpp

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

/// What the transport knows about the connection a request came on.
struct ConnectionInfo {
  std::string peer_address;  // the caller's IP: the firewall evaluates this
  uint16_t peer_port = 0;
  uint16_t local_port = 0;
  bool tls = false;
  std::string sni;            // TLS server name the client asked for, if any
  std::string tunnel_target;  // "host:port" the client CONNECTed to through the proxy, if any
};

/// How the transport delivers a reply. Normally at once; fault injection (emulator/faults) can
/// hold it back, close the connection instead of answering, or trickle the body.
struct Delivery {
  std::chrono::milliseconds delay{0};  // real time before the response is written
  bool reset = false;                  // no response: the TCP connection is reset
  size_t body_bytes_per_second = 0;    // 0: the body at once; else the header, then the body slowly
  /// Set: the body is not in the response but follows it, chunk by chunk (a watch).
  std::shared_ptr<StreamBody> stream;
};

/// A handler's successful answer; the dispatcher adds the common headers.
struct Reply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  Delivery delivery;

  // Bodies may echo what a client sent (names, paths); bytes that are not UTF-8 become U+FFFD
  // rather than making the JSON writer throw.
  static Reply json(const nlohmann::json& body, unsigned status = 200) {
    return {status,
            body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
            "application/json; charset=utf-8",
            {}};
  }
  /// For bodies whose member order matters (Azure's own order).
  static Reply ordered(const nlohmann::ordered_json& body, unsigned status = 200) {
    return {status,
            body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
            "application/json; charset=utf-8",
            {}};
  }
  static Reply text(std::string body, unsigned status = 200) {
    return {status, std::move(body), "text/plain; charset=utf-8", {}};
  }
  static Reply empty(unsigned status) { return {status, {}, {}, {}}; }
};

/// A value or an ApiError (std::expected is C++23).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(ApiError error) : v_(std::move(error)) {}  // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  T& operator*() { return value(); }
  ApiError& error() { return std::get<1>(v_); }
  const ApiError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

/// Writes an ApiError as the Azure error envelope: the one place errors become bytes.
Reply to_reply(const ApiError& error);

}  // namespace kmslab::core
