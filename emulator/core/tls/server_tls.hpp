#pragma once
// The TLS side of the emulator's HTTPS listener: one asio ssl::context with a default leaf
// certificate for the well-known emulated hosts, plus certificates issued on demand for any other
// host name a client asks for via SNI (so e.g. a custom vault DNS suffix still verifies).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "emulator/core/tls/ca.hpp"
#include "emulator/core/tls/sni_cache.hpp"

namespace kmslab::core::tls {

class ServerTls {
 public:
  // Validity of issued certificates is judged by clients with their real clock, so pass the wall
  // clock here, not the emulator's virtual clock. Called from handshake threads: must be
  // thread-safe.
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  static constexpr std::size_t kDefaultCacheCapacity = 1024;

  // Issues the default certificate for `default_names` (DNS names, "*." wildcards, IP literals).
  // Throws std::invalid_argument for an unusable name, std::runtime_error on OpenSSL failures.
  ServerTls(const CertificateAuthority& ca, std::vector<std::string> default_names, Clock now,
            std::size_t cache_capacity = kDefaultCacheCapacity);

  // OpenSSL keeps a pointer to this object for the SNI callback: it must not move.
  ServerTls(const ServerTls&) = delete;
  ServerTls& operator=(const ServerTls&) = delete;
  ~ServerTls() = default;

  // Build every boost::asio::ssl::stream from this context; it may be shared by many threads.
  boost::asio::ssl::context& context() { return context_; }

  std::vector<std::string> default_names() const { return default_names_; }

  // The context a handshake for `server_name` switches to, or nullptr to keep the default
  // certificate (name covered by it, or not a valid DNS name). Issues and caches on a miss.
  std::shared_ptr<SSL_CTX> context_for(std::string_view server_name);

  // Number of on-demand certificates currently cached.
  std::size_t issued_cache_size() const { return cache_.size(); }

 private:
  static int on_server_name(SSL* ssl, int* alert, void* self) noexcept;
  bool covered_by_default(std::string_view host) const;

  CertificateAuthority ca_;
  std::vector<std::string> default_names_;
  Clock now_;
  SniCache cache_;
  boost::asio::ssl::context context_;
};

}  // namespace kmslab::core::tls
