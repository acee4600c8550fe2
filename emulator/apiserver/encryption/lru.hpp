#pragma once
// A bounded least-recently-used map (hashicorp/golang-lru's semantics: get refreshes, add evicts
// the oldest), for the KMS v1 DEK cache.
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

namespace kmslab::apiserver::encryption {

template <typename K, typename V>
class Lru {
 public:
  explicit Lru(size_t capacity) : capacity_(capacity) {}

  std::optional<V> get(const K& k) {
    std::lock_guard l(mu_);
    auto it = index_.find(k);
    if (it == index_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }

  void add(const K& k, V v) {
    std::lock_guard l(mu_);
    if (auto it = index_.find(k); it != index_.end()) {
      it->second->second = std::move(v);
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    order_.emplace_front(k, std::move(v));
    index_[k] = order_.begin();
    if (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

  size_t size() const {
    std::lock_guard l(mu_);
    return order_.size();
  }
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::list<std::pair<K, V>> order_;
  std::unordered_map<K, typename std::list<std::pair<K, V>>::iterator> index_;
};

}  // namespace kmslab::apiserver::encryption
