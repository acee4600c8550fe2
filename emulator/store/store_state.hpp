#pragma once
// The whole state of a revisioned store: what a Journal persists and what LocalStore serves.
#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "emulator/store/store.hpp"

namespace kmslab::store {

struct StoreState {
  std::map<std::string, KeyValue> kvs;  // the current value of every live key
  int64_t revision = 0;                 // the last committed revision
  // Events with a revision below this are gone; 0 = nothing compacted yet.
  int64_t compact_revision = 0;
  std::deque<Event> history;  // events since compact_revision, in revision order
};

inline bool has_prefix(const std::string& key, const std::string& prefix) {
  return key.compare(0, prefix.size(), prefix) == 0;
}

bool same_kv(const KeyValue& a, const KeyValue& b);
bool same_event(const Event& a, const Event& b);

/// The internal invariants of a state (revisions ordered and bounded, history consistent with the
/// current values); returns an empty string when they hold, else the first violation.
std::string check_invariants(const StoreState& state);

/// The first difference between two states, described for a human; empty when they are equal.
std::string diff_states(const StoreState& persisted, const StoreState& in_memory);

}  // namespace kmslab::store
