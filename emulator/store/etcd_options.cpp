#include "emulator/store/etcd_options.hpp"

#include <charconv>
#include <string_view>

#include "emulator/store/store.hpp"

namespace kmslab::store {
namespace {

constexpr std::string_view kScheme = "etcd://";

// host:port with a port of 1-65535; IPv6 literals in brackets ([::1]:2379).
bool valid_endpoint(std::string_view endpoint) {
  const size_t colon = endpoint.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = endpoint.substr(0, colon);
  if (host.find(':') != std::string_view::npos && !(host.front() == '[' && host.back() == ']'))
    return false;
  std::string_view port = endpoint.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc() && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

std::chrono::milliseconds parse_timeout(const std::string& spec, std::string_view query) {
  constexpr std::string_view kKey = "timeout=";
  if (!query.starts_with(kKey))
    throw StoreError("store '" + spec + "': unknown option '" + std::string(query) +
                     "': expected timeout=SECONDS");
  std::string_view number = query.substr(kKey.size());
  double seconds = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), seconds);
  if (ec != std::errc() || end != number.data() + number.size() || !(seconds > 0) || seconds > 3600)
    throw StoreError("store '" + spec + "': timeout must be a number of seconds in (0, 3600]");
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000 + 0.5));
}

}  // namespace

EtcdOptions parse_etcd_spec(const std::string& spec) {
  std::string_view rest(spec);
  if (!rest.starts_with(kScheme)) throw StoreError("store '" + spec + "': expected etcd://");
  rest.remove_prefix(kScheme.size());
  EtcdOptions options;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    options.timeout = parse_timeout(spec, rest.substr(q + 1));
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

std::string etcd_spec_from_urls(const std::vector<std::string>& urls) {
  std::string spec(kScheme);
  for (const std::string& url : urls) {
    std::string_view rest(url);
    if (rest.starts_with("https://"))
      throw StoreError("--etcd-servers " + url +
                       ": TLS to etcd is not supported by kmslab-apiserver; use http://");
    if (!rest.starts_with("http://"))
      throw StoreError("--etcd-servers " + url + ": expected http://host:port");
    rest.remove_prefix(7);
    if (rest.ends_with("/")) rest.remove_suffix(1);
    if (!valid_endpoint(rest))
      throw StoreError("--etcd-servers " + url + ": expected http://host:port");
    if (spec.size() > kScheme.size()) spec += ',';
    spec += rest;
  }
  if (spec.size() == kScheme.size()) throw StoreError("--etcd-servers: no URL given");
  return spec;
}

}  // namespace kmslab::store
