#include "emulator/core/client/url.hpp"

#include <cctype>
#include <charconv>

namespace kmslab::core::client {
namespace {

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

bool valid_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

std::string Url::authority() const {
  return bracketed(host) + ":" + std::to_string(port);
}

std::string Url::host_header() const {
  const bool default_port = (tls && port == 443) || (!tls && port == 80);
  return default_port ? bracketed(host) : authority();
}

std::optional<Url> parse_url(std::string_view text) {
  Url url;
  if (text.starts_with("https://")) {
    text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    text.remove_prefix(7);
    url.tls = false;
    url.port = 80;
  } else {
    return std::nullopt;
  }
  const size_t end = text.find_first_of("/?#");
  std::string_view authority = text.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? "" : text.substr(end);
  if (rest.find('#') != std::string_view::npos || authority.find('@') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view port_text;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return std::nullopt;
      port_text = after.substr(1);
    }
    for (char c : url.host) {
      if (!(valid_host_char(c) || c == ':')) return std::nullopt;
    }
  } else {
    const size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    for (char c : url.host) {
      if (!valid_host_char(c)) return std::nullopt;
    }
  }
  if (url.host.empty()) return std::nullopt;
  if (!port_text.empty() || authority.ends_with(":")) {
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return std::nullopt;
    }
    url.port = static_cast<uint16_t>(port);
  }
  if (!rest.empty())
    url.target = rest.starts_with("?") ? "/" + std::string(rest) : std::string(rest);
  return url;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace kmslab::core::client
