// The CONNECT proxy's request handling: raw bytes -> the HTTP/1.1 header parser with the proxy's
// limits -> ProxyPolicy::decide, and the same bytes straight into the target parser (so the
// fuzzer reaches it without HTTP framing). Checks that every request gets one of the four
// answers and that a tunnel is only ever opened to an allowed, well-formed host:port.
#include <boost/beast/http.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/core/proxy_policy.hpp"

namespace {

using kmslab::core::ConnectTarget;
using kmslab::core::ProxyDecision;
using kmslab::core::ProxyPolicy;

// The emulator's default allow-list (Emulator::certificate_names).
const ProxyPolicy& policy() {
  static const ProxyPolicy p({"localhost", "127.0.0.1", "::1", "management.azure.com",
                              "login.microsoftonline.com", "*.vault.azure.net",
                              "*.vault.localhost"});
  return p;
}

void check_target(const ConnectTarget& t) {
  if (t.host.empty() || t.port == 0) __builtin_trap();
  // What parsed must print back as a target that parses to the same thing.
  const bool v6 = t.host.find(':') != std::string::npos;
  const std::string again =
      (v6 ? "[" + t.host + "]" : t.host) + ":" + std::to_string(static_cast<unsigned>(t.port));
  const auto reparsed = kmslab::core::parse_connect_target(again);
  if (!reparsed || reparsed->host != t.host || reparsed->port != t.port) __builtin_trap();
}

void check(std::string_view method, std::string_view target) {
  const ProxyDecision d = policy().decide(method, target);
  const auto parsed = kmslab::core::parse_connect_target(target);
  if (parsed) check_target(*parsed);
  switch (d.status) {
    case 200:
      if (method != "CONNECT" || !d.target || !parsed || !d.text.empty()) __builtin_trap();
      if (!policy().allows(d.target->host)) __builtin_trap();
      break;
    case 403:
      if (!d.target || !parsed || policy().allows(d.target->host)) __builtin_trap();
      break;
    case 400:
      if (d.target || parsed) __builtin_trap();
      break;
    case 405:
      if (method == "CONNECT") __builtin_trap();
      break;
    default:
      __builtin_trap();
  }
  if (d.status != 200) {
    // The refusal is a text/plain body that echoes the target: it must not carry raw bytes.
    if (d.text.empty()) __builtin_trap();
    for (char c : d.text) {
      if (c != '\n' && (c < 0x20 || c > 0x7e)) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check("CONNECT", text);

  namespace http = boost::beast::http;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(16 * 1024);  // ServerOptions::header_limit
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& request = parser.get();
  check(request.method_string(), request.target());
  return 0;
}
