#include "emulator/core/tls/sni_cache.hpp"

#include <utility>

namespace kmslab::core::tls {

std::shared_ptr<SSL_CTX> SniCache::find(const std::string& name) const {
  const std::lock_guard lock(mutex_);
  const auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second;
}

std::shared_ptr<SSL_CTX> SniCache::insert(const std::string& name, std::shared_ptr<SSL_CTX> ctx) {
  if (capacity_ == 0) return ctx;
  const std::lock_guard lock(mutex_);
  const auto [it, inserted] = entries_.try_emplace(name, std::move(ctx));
  if (!inserted) return it->second;
  std::shared_ptr<SSL_CTX> result = it->second;
  order_.push_back(name);
  while (entries_.size() > capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  return result;
}

std::size_t SniCache::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace kmslab::core::tls
