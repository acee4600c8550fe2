#include "emulator/core/tunnel_routes.hpp"

#include <algorithm>
#include <cctype>

namespace kmslab::core {

std::string TunnelRoutes::key(std::string_view host, uint16_t port) {
  std::string k(host);
  if (!k.empty() && k.back() == '.') k.pop_back();
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  return k + ":" + std::to_string(port);
}

void TunnelRoutes::set(std::string_view host, uint16_t port, TunnelEndpoint to) {
  std::lock_guard l(mu_);
  routes_[key(host, port)] = std::move(to);
}

void TunnelRoutes::erase(std::string_view host, uint16_t port) {
  std::lock_guard l(mu_);
  routes_.erase(key(host, port));
}

std::optional<TunnelEndpoint> TunnelRoutes::find(std::string_view host, uint16_t port) const {
  std::lock_guard l(mu_);
  const auto it = routes_.find(key(host, port));
  if (it == routes_.end()) return std::nullopt;
  return it->second;
}

size_t TunnelRoutes::size() const {
  std::lock_guard l(mu_);
  return routes_.size();
}

}  // namespace kmslab::core
