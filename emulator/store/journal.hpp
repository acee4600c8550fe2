#pragma once
// The persistence seam of LocalStore: the in-memory MVCC logic is shared by every local backend,
// and a Journal only makes its committed transactions durable.
#include <cstdint>
#include <string>
#include <vector>

#include "emulator/store/store.hpp"
#include "emulator/store/store_state.hpp"

namespace kmslab::store {

class Journal {
 public:
  virtual ~Journal() = default;

  /// The persisted state, read once when the store opens.
  virtual StoreState load() = 0;
  /// Makes the `events` of one transaction at `revision` durable before returning, or throws
  /// StoreError having persisted nothing. Auto-compaction to `compact_revision` rides on the same
  /// commit so that history and compaction point never disagree on disk.
  virtual void commit(int64_t revision, const std::vector<Event>& events,
                      int64_t compact_revision) = 0;
  /// Persists a manual compaction: history before `revision` is dropped.
  virtual void compact(int64_t revision) = 0;
  /// Compares the persisted state with `in_memory`; empty when sound, else what is wrong.
  virtual std::string check(const StoreState& in_memory) = 0;
};

}  // namespace kmslab::store
