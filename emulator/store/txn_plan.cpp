#include "emulator/store/txn_plan.hpp"

#include <optional>
#include <set>

#include "emulator/store/store_state.hpp"

namespace kmslab::store {
namespace {

bool deletes_a_put(const Op& op, const std::set<std::string>& puts) {
  if (op.type == Op::Type::kDelete) return puts.contains(op.key);
  auto it = puts.lower_bound(op.key);  // the first put key that can start with the prefix
  return it != puts.end() && has_prefix(*it, op.key);
}

void validate_branch(const std::vector<Op>& ops) {
  std::set<std::string> puts;
  for (const Op& op : ops) {
    if (op.type == Op::Type::kDeletePrefix) continue;
    if (op.key.empty()) throw StoreError("transaction names an empty key");
    if (op.type == Op::Type::kPut && !puts.insert(op.key).second) {
      throw StoreError("duplicate key '" + op.key + "' in transaction");
    }
  }
  for (const Op& op : ops) {
    if (op.type != Op::Type::kPut && deletes_a_put(op, puts)) {
      throw StoreError("transaction both puts and deletes '" + op.key + "'");
    }
  }
}

template <typename T>
bool compare_values(const T& actual, Compare::Op op, const T& expected) {
  switch (op) {
    case Compare::Op::kEqual:
      return actual == expected;
    case Compare::Op::kNotEqual:
      return actual != expected;
    case Compare::Op::kLess:
      return actual < expected;
    case Compare::Op::kGreater:
      return actual > expected;
  }
  return false;
}

bool holds(const std::map<std::string, KeyValue>& kvs, const Compare& c) {
  auto it = kvs.find(c.key);
  // etcd: no value and an empty value look the same on the wire, so a value compare on a missing
  // key always fails; numbers of a missing key are all 0.
  if (it == kvs.end() && c.target == Compare::Target::kValue) return false;
  static const KeyValue kMissing;
  const KeyValue& kv = it == kvs.end() ? kMissing : it->second;
  switch (c.target) {
    case Compare::Target::kVersion:
      return compare_values(kv.version, c.op, c.number);
    case Compare::Target::kCreateRevision:
      return compare_values(kv.create_revision, c.op, c.number);
    case Compare::Target::kModRevision:
      return compare_values(kv.mod_revision, c.op, c.number);
    case Compare::Target::kValue:
      return compare_values(kv.value, c.op, c.value);
  }
  return false;
}

// The keys written so far by the transaction over the committed state; nullopt = deleted.
class Overlay {
 public:
  explicit Overlay(const std::map<std::string, KeyValue>& kvs) : kvs_(kvs) {}

  const KeyValue* find(const std::string& key) const {
    if (auto it = written_.find(key); it != written_.end())
      return it->second ? &*it->second : nullptr;
    auto it = kvs_.find(key);
    return it == kvs_.end() ? nullptr : &it->second;
  }
  void put(const KeyValue& kv) { written_[kv.key] = kv; }
  void erase(const std::string& key) { written_[key] = std::nullopt; }
  bool written(const std::string& key) const { return written_.contains(key); }

 private:
  const std::map<std::string, KeyValue>& kvs_;
  std::map<std::string, std::optional<KeyValue>> written_;
};

Event put_event(const Overlay& overlay, const Op& op, int64_t revision) {
  const KeyValue* current = overlay.find(op.key);
  KeyValue kv{op.key, op.value, current ? current->create_revision : revision, revision,
              current ? current->version + 1 : 1};
  return {Event::Type::kPut, std::move(kv)};
}

Event delete_event(const std::string& key, int64_t revision) {
  return {Event::Type::kDelete, KeyValue{key, {}, 0, revision, 0}};
}

}  // namespace

void validate_txn(const Txn& txn) {
  validate_branch(txn.success);
  validate_branch(txn.failure);
}

bool compares_hold(const std::map<std::string, KeyValue>& kvs,
                   const std::vector<Compare>& compares) {
  for (const Compare& c : compares) {
    if (!holds(kvs, c)) return false;
  }
  return true;
}

std::vector<Event> plan_ops(const std::map<std::string, KeyValue>& kvs, const std::vector<Op>& ops,
                            int64_t revision) {
  Overlay overlay(kvs);
  std::vector<Event> events;
  for (const Op& op : ops) {
    if (op.type == Op::Type::kPut) {
      events.push_back(put_event(overlay, op, revision));
      overlay.put(events.back().kv);
    } else if (op.type == Op::Type::kDelete) {
      if (!overlay.find(op.key)) continue;
      overlay.erase(op.key);
      events.push_back(delete_event(op.key, revision));
    } else {
      // validate_txn keeps puts out of deleted prefixes, so only committed keys can match here.
      for (auto it = kvs.lower_bound(op.key); it != kvs.end() && has_prefix(it->first, op.key);
           ++it) {
        if (overlay.written(it->first)) continue;
        overlay.erase(it->first);
        events.push_back(delete_event(it->first, revision));
      }
    }
  }
  return events;
}

}  // namespace kmslab::store
