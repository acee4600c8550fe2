#pragma once
// Thread-safe, bounded cache of the server contexts issued on demand for SNI names. Bounded so a
// client spraying random names cannot grow memory without limit; the oldest entry goes first.

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <openssl/ssl.h>

namespace kmslab::core::tls {

class SniCache {
 public:
  explicit SniCache(std::size_t capacity) : capacity_(capacity) {}

  // nullptr when `name` is not cached.
  std::shared_ptr<SSL_CTX> find(const std::string& name) const;

  // Caches `ctx` under `name` unless another thread got there first; returns the cached entry.
  // Evicting an entry never breaks a handshake using it: SSL_set_SSL_CTX holds its own reference.
  std::shared_ptr<SSL_CTX> insert(const std::string& name, std::shared_ptr<SSL_CTX> ctx);

  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::unordered_map<std::string, std::shared_ptr<SSL_CTX>> entries_;
  std::deque<std::string> order_;  // insertion order, oldest first
};

}  // namespace kmslab::core::tls
