#include "emulator/core/proxy_policy.hpp"

#include <algorithm>

#include "emulator/core/tls/names.hpp"

namespace kmslab::core {
namespace {

// Enough for a bracketed IPv6 literal or a 253-character name, a dot and a port; anything longer
// cannot be valid, and refusing it early keeps the checks below cheap.
constexpr size_t kMaxTarget = 1 + 253 + 1 + 1 + 5;
// The refusal echoes the target back; a very long one is cut so the answer stays small.
constexpr size_t kMaxEcho = 120;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::optional<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), is_digit)) {
    return std::nullopt;
  }
  uint32_t value = 0;
  for (char c : text) value = value * 10 + static_cast<uint32_t>(c - '0');
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

bool is_ipv6_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

// The character check comes first: inet_pton stops at a NUL byte, so "::1\0junk" would pass it.
bool is_ipv6_literal(std::string_view text) {
  return text.find(':') != std::string_view::npos &&
         std::all_of(text.begin(), text.end(), is_ipv6_char) && tls::is_ip_literal(text);
}

// A DNS name, or a dotted-quad IPv4 literal: a name whose last label is all digits can only be
// an address (as URL parsers read it), so "1.2.3.999" is malformed, not a host name.
bool is_name_or_ipv4(std::string_view host) {
  const std::string_view name = tls::strip_trailing_dot(host);
  if (!tls::is_valid_dns_name(name)) return false;
  const size_t dot = name.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? name : name.substr(dot + 1);
  return !std::all_of(last.begin(), last.end(), is_digit) || tls::is_ip_literal(name);
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxEcho)) out += (c > 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > kMaxEcho) out += "...";
  return out;
}

}  // namespace

std::optional<ConnectTarget> parse_connect_target(std::string_view target) {
  if (target.empty() || target.size() > kMaxTarget) return std::nullopt;
  std::string_view host;
  std::string_view port;
  if (target.front() == '[') {
    const size_t close = target.find(']');
    if (close == std::string_view::npos || close + 1 >= target.size() || target[close + 1] != ':') {
      return std::nullopt;
    }
    host = target.substr(1, close - 1);
    port = target.substr(close + 2);
    if (!is_ipv6_literal(host)) return std::nullopt;
  } else {
    const size_t colon = target.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = target.substr(0, colon);
    port = target.substr(colon + 1);
    if (!is_name_or_ipv4(host)) return std::nullopt;  // also refuses an unbracketed IPv6
  }
  const std::optional<uint16_t> number = parse_port(port);
  if (!number) return std::nullopt;
  return ConnectTarget{std::string(host), *number};
}

ProxyPolicy::ProxyPolicy(std::vector<std::string> allow) : allow_(std::move(allow)) {}

bool ProxyPolicy::allows(std::string_view host) const {
  if (host.empty()) return false;
  return std::any_of(allow_.begin(), allow_.end(),
                     [&](const std::string& pattern) { return tls::host_matches(pattern, host); });
}

ProxyDecision ProxyPolicy::decide(std::string_view method, std::string_view target) const {
  // Methods are case-sensitive (RFC 9110 section 9.1): "connect" is not CONNECT.
  if (method != "CONNECT") {
    return {405, std::nullopt,
            "kmslab proxy: only CONNECT is supported (set HTTPS_PROXY, and use https:// URLs for "
            "the emulated Azure hosts).\n"};
  }
  std::optional<ConnectTarget> parsed = parse_connect_target(target);
  if (!parsed) {
    return {400, std::nullopt,
            "kmslab proxy: '" + printable(target) +
                "' is not a CONNECT target: expected host:port (a DNS name, an IPv4 address or "
                "a bracketed IPv6 address, and a port from 1 to 65535).\n"};
  }
  if (!allows(parsed->host)) {
    return {403, std::move(parsed),
            "kmslab proxy: refusing to tunnel to '" + printable(target) +
                "': only emulated Azure hosts are served, and kmslab never forwards traffic "
                "elsewhere. Allowed: " +
                allowed_list() + "\n"};
  }
  return {200, std::move(parsed), {}};
}

std::string ProxyPolicy::allowed_list() const {
  std::string out;
  for (const auto& pattern : allow_) out += (out.empty() ? "" : ", ") + pattern;
  return out;
}

}  // namespace kmslab::core
