#include "emulator/arm/operation_table.hpp"

#include <algorithm>

namespace kmslab::arm {

OperationTable::OperationTable(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

void OperationTable::add(const std::string& id) {
  std::lock_guard l(mu_);
  if (!ids_.insert(id).second) return;
  order_.push_back(id);
  if (order_.size() > capacity_) {
    ids_.erase(order_.front());
    order_.pop_front();
  }
}

bool OperationTable::contains(const std::string& id) const {
  std::lock_guard l(mu_);
  return ids_.count(id) != 0;
}

size_t OperationTable::size() const {
  std::lock_guard l(mu_);
  return order_.size();
}

}  // namespace kmslab::arm
