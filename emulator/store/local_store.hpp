#pragma once
// The MVCC store every local backend shares: the current state and the watch history live in
// memory behind one mutex; an optional Journal makes each transaction durable before it is
// applied, so a failed commit leaves memory exactly as it was.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/store/journal.hpp"
#include "emulator/store/store.hpp"
#include "emulator/store/store_state.hpp"
#include "emulator/store/watch_hub.hpp"

namespace kmslab::store {

struct LocalStoreOptions {
  // Revisions of history kept for watch replay; older ones are compacted automatically (in
  // batches of an eighth of this, so that not every commit deletes history). 0 = keep everything.
  int64_t history_revisions = 10000;
};

class LocalStore final : public Store {
 public:
  /// Without a journal the store lives in memory only.
  explicit LocalStore(std::unique_ptr<Journal> journal = nullptr, LocalStoreOptions options = {});

  std::optional<KeyValue> get(const std::string& key) override;
  RangeResult range(const std::string& prefix, size_t limit = 0,
                    const std::string& start_after = {}) override;
  TxnResult txn(const Txn& txn) override;
  int64_t revision() override;
  std::unique_ptr<WatchHandle> watch(const std::string& prefix, int64_t start_revision,
                                     WatchCallback on_events) override;
  void compact(int64_t revision) override;
  std::string check_integrity() override;

 private:
  int64_t auto_compact_point(int64_t next_revision) const;
  void apply(const std::vector<Event>& events, int64_t revision, int64_t compact_revision);
  void drop_history_before(int64_t revision);
  std::vector<Event> history_since(const std::string& prefix, int64_t start_revision) const;

  std::unique_ptr<Journal> journal_;
  LocalStoreOptions options_;
  std::mutex mu_;  // guards state_ and every journal call
  StoreState state_;
  std::shared_ptr<WatchHub> hub_ = std::make_shared<WatchHub>();
};

}  // namespace kmslab::store
