#pragma once
// The CONNECT proxy's decision, without sockets: what a request line (method + target) gets.
// It lives apart from the transport (server.cpp, coroutines) so that it can be unit-tested and
// fuzzed with clang, and so that the strict parsing of the target is in one place.
//
//   non-CONNECT                          -> 405
//   a target that is not host:port       -> 400
//   a well-formed target, host not allowed -> 403
//   a well-formed target, allowed host     -> 200 (the transport opens the tunnel)
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kmslab::core {

/// The authority of a CONNECT request ("host:port", RFC 9110 section 9.3.6).
struct ConnectTarget {
  std::string host;  // without brackets for IPv6; as sent (host matching ignores case)
  uint16_t port = 0;
};

/// Parses a CONNECT target strictly: a DNS name (one trailing dot allowed), a dotted-quad IPv4
/// literal or a bracketed IPv6 literal (no zone id), then ':' and a decimal port 1..65535.
/// Anything else (no port, empty host, unbracketed IPv6, userinfo, paths, spaces, control bytes)
/// is nullopt: the proxy answers 400 rather than guessing what the client meant.
std::optional<ConnectTarget> parse_connect_target(std::string_view target);

struct ProxyDecision {
  unsigned status = 400;                // 200 (tunnel), 400, 403 or 405
  std::optional<ConnectTarget> target;  // set when the target parsed (200 and 403)
  std::string text;                     // the plain-text body of a refusal; empty for 200
};

class ProxyPolicy {
 public:
  /// Host patterns the proxy tunnels to ("*.vault.azure.net", "localhost", "::1").
  explicit ProxyPolicy(std::vector<std::string> allow);

  bool allows(std::string_view host) const;
  ProxyDecision decide(std::string_view method, std::string_view target) const;
  /// The patterns, comma-separated, for refusal messages.
  std::string allowed_list() const;

 private:
  std::vector<std::string> allow_;
};

}  // namespace kmslab::core
