#include "emulator/store/etcd_options.hpp"

#include <cctype>
#include <charconv>
#include <string_view>

#include "emulator/store/store.hpp"

namespace kmslab::store {
namespace {

constexpr std::string_view kScheme = "etcd://";
constexpr std::string_view kTlsScheme = "etcd+tls://";

// A host name or IPv4 literal (letters, digits, '-', '.', '_'), or an IPv6 literal in brackets:
// nothing that could be read as the spec's own ',' '?' '&' separators.
bool valid_host(std::string_view host) {
  const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  if (host.empty()) return false;
  for (char c : host) {
    const bool ok =
        bracketed
            ? (std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')
            : (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_');
    if (!ok) return false;
  }
  return true;
}

// host:port with a port of 1-65535; IPv6 literals in brackets ([::1]:2379).
bool valid_endpoint(std::string_view endpoint) {
  const size_t colon = endpoint.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!valid_host(endpoint.substr(0, colon))) return false;
  std::string_view port = endpoint.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc() && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

std::chrono::milliseconds parse_timeout(const std::string& spec, std::string_view number) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), seconds);
  if (ec != std::errc() || end != number.data() + number.size() || !(seconds > 0) || seconds > 3600)
    throw StoreError("store '" + spec + "': timeout must be a number of seconds in (0, 3600]");
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000 + 0.5));
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& spec, std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_digit(text[i + 2]) : -1;
    if (lo < 0) throw StoreError("store '" + spec + "': a '%' not followed by two hex digits");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string percent_encode(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '%')
      out += "%25";
    else if (c == '&')
      out += "%26";
    else
      out += c;
  }
  return out;
}

// "timeout=S&ca=PATH&...": ca, cert and key only over TLS.
void parse_query(const std::string& spec, std::string_view query, EtcdOptions& options) {
  constexpr const char* kExpected = "expected timeout=SECONDS";
  constexpr const char* kExpectedTls = "expected timeout=SECONDS, ca=PATH, cert=PATH or key=PATH";
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    const size_t eq = item.find('=');
    std::string_view name = item.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : item.substr(eq + 1);
    std::string* file = nullptr;
    if (options.tls && name == "ca") file = &options.tls->ca_file;
    if (options.tls && name == "cert") file = &options.tls->cert_file;
    if (options.tls && name == "key") file = &options.tls->key_file;
    if (name == "timeout" && eq != std::string_view::npos) {
      options.timeout = parse_timeout(spec, value);
    } else if (file && !value.empty()) {
      *file = percent_decode(spec, value);
    } else {
      throw StoreError("store '" + spec + "': unknown option '" + std::string(item) +
                       "': " + (options.tls ? kExpectedTls : kExpected));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

}  // namespace

EtcdOptions parse_etcd_spec(const std::string& spec) {
  std::string_view rest(spec);
  EtcdOptions options;
  if (rest.starts_with(kTlsScheme)) {
    options.tls.emplace();
    rest.remove_prefix(kTlsScheme.size());
  } else if (rest.starts_with(kScheme)) {
    rest.remove_prefix(kScheme.size());
  } else {
    throw StoreError("store '" + spec + "': expected etcd:// or etcd+tls://");
  }
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    parse_query(spec, rest.substr(q + 1), options);
    rest = rest.substr(0, q);
  }
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view endpoint = rest.substr(0, comma);
    if (!valid_endpoint(endpoint))
      throw StoreError("store '" + spec + "': '" + std::string(endpoint) + "' is not host:port");
    options.endpoints.emplace_back(endpoint);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (options.endpoints.empty())
    throw StoreError("store '" + spec + "': expected etcd://host:port[,host:port...]");
  return options;
}

std::string etcd_spec_from_urls(const std::vector<std::string>& urls, const EtcdTls& tls) {
  std::string endpoints;
  std::optional<bool> secure;
  for (const std::string& url : urls) {
    std::string_view rest(url);
    const bool https = rest.starts_with("https://");
    if (!https && !rest.starts_with("http://"))
      throw StoreError("--etcd-servers " + url +
                       ": expected http://host:port or https://host:port");
    if (secure && *secure != https)
      throw StoreError("--etcd-servers: every URL must be http:// or every one https://, not both");
    secure = https;
    rest.remove_prefix(https ? 8 : 7);
    if (rest.ends_with("/")) rest.remove_suffix(1);
    if (!valid_endpoint(rest))
      throw StoreError("--etcd-servers " + url + ": expected " + (https ? "https" : "http") +
                       "://host:port");
    endpoints += (endpoints.empty() ? "" : ",") + std::string(rest);
  }
  if (endpoints.empty()) throw StoreError("--etcd-servers: no URL given");
  if (!*secure) return std::string(kScheme) + endpoints;
  std::string spec = std::string(kTlsScheme) + endpoints;
  char sep = '?';
  for (const auto& [name, path] : {std::pair{"ca", &tls.ca_file}, std::pair{"cert", &tls.cert_file},
                                   std::pair{"key", &tls.key_file}}) {
    if (path->empty()) continue;
    spec += sep + std::string(name) + "=" + percent_encode(*path);
    sep = '&';
  }
  return spec;
}

}  // namespace kmslab::store
