#pragma once
// Names the CONNECT proxy passes through to a TCP endpoint on loopback instead of serving them
// itself: an AKS cluster's API server FQDN ({dnsPrefix}-{hash}.hcp.{region}.azmk8s.io:443) goes to
// that cluster's kmslab-apiserver, which does its own TLS. Only names in the table are tunnelled,
// and only to the address the table holds: the proxy still forwards nowhere else.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace kmslab::core {

struct TunnelEndpoint {
  std::string address;  // an IP literal (loopback)
  uint16_t port = 0;
};

class TunnelRoutes {
 public:
  /// Routes `host:port` (host matched without case, one trailing dot ignored) to `to`.
  void set(std::string_view host, uint16_t port, TunnelEndpoint to);
  void erase(std::string_view host, uint16_t port);
  std::optional<TunnelEndpoint> find(std::string_view host, uint16_t port) const;
  size_t size() const;

 private:
  static std::string key(std::string_view host, uint16_t port);
  mutable std::mutex mu_;
  std::map<std::string, TunnelEndpoint> routes_;
};

}  // namespace kmslab::core
