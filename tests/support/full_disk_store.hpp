#pragma once
// A store whose writes (or every call) fail on demand (a pass-through until then), for tests of
// what a component does when the store throws.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "emulator/store/store.hpp"

namespace kmslab::testing {

// A real store whose writes fail while `full` is set, the way LocalStore fails when its journal
// reports SQLITE_FULL: txn() throws StoreError before anything is applied.
class FullDiskStore final : public store::Store {
 public:
  explicit FullDiskStore(store::Store& inner) : inner_(inner) {}

  bool full = false;
  int refused = 0;  // writes attempted while full: proves the handler reached the store
  /// When >= 0: that many more writes commit, then the store is full (a disk filling up
  /// between two commits of one operation).
  int full_after = -1;
  /// While set every read and write throws, as the etcd store does when its members are gone or
  /// a transaction's outcome is unknown.
  bool unreachable = false;
  static constexpr const char* kUnreachable =
      "etcd: txn outcome unknown: 127.0.0.1:2379: Unavailable";

  std::optional<store::KeyValue> get(const std::string& key) override {
    if (unreachable) throw store::StoreError(kUnreachable);
    return inner_.get(key);
  }
  store::RangeResult range(const std::string& prefix, size_t limit,
                           const std::string& start_after) override {
    if (unreachable) throw store::StoreError(kUnreachable);
    return inner_.range(prefix, limit, start_after);
  }
  store::TxnResult txn(const store::Txn& txn) override {
    if (unreachable) throw store::StoreError(kUnreachable);
    if (!full && full_after >= 0 && full_after-- == 0) full = true;
    if (full) {
      ++refused;
      throw store::StoreError("store 'kv.db': cannot commit: database or disk is full");
    }
    return inner_.txn(txn);
  }
  int64_t revision() override { return inner_.revision(); }
  std::unique_ptr<store::WatchHandle> watch(
      const std::string& prefix, int64_t start_revision,
      std::function<void(const std::vector<store::Event>&)> on_events) override {
    return inner_.watch(prefix, start_revision, std::move(on_events));
  }
  void compact(int64_t revision) override { inner_.compact(revision); }
  std::string check_integrity() override { return inner_.check_integrity(); }

 private:
  store::Store& inner_;
};

}  // namespace kmslab::testing
