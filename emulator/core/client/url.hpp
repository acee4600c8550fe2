#pragma once
// Absolute http(s) URLs as the client needs them: scheme, host, port and request target.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kmslab::core::client {

struct Url {
  bool tls = true;
  std::string host;  // without brackets for IPv6 literals
  uint16_t port = 443;
  std::string target = "/";  // path and query

  /// "host:port" as CONNECT and the pool key write it (IPv6 literals bracketed).
  std::string authority() const;
  /// The Host header value: the port only when it is not the scheme's default.
  std::string host_header() const;
};

/// Parses "https://host[:port][/path][?query]" (or http://). Userinfo and fragments are refused;
/// nullopt for anything malformed.
std::optional<Url> parse_url(std::string_view text);

/// Percent-encodes every byte but RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~), as a
/// query value or an application/x-www-form-urlencoded value needs.
std::string percent_encode(std::string_view text);

}  // namespace kmslab::core::client
