#pragma once
// The ids of ARM long-running operations the emulator has answered (purge's operationResults,
// a resource group delete's Location): a poller asks for one until it answers 200. Bounded; when
// full, the oldest id goes first, so a client polling a recent operation never loses it to an
// older one. Thread-safe.
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_set>

namespace kmslab::arm {

class OperationTable {
 public:
  static constexpr size_t kDefaultCapacity = 10000;
  explicit OperationTable(size_t capacity = kDefaultCapacity);

  void add(const std::string& id);
  bool contains(const std::string& id) const;
  size_t size() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<std::string> order_;  // oldest first
  std::unordered_set<std::string> ids_;
};

}  // namespace kmslab::arm
