#include "emulator/store/local_store.hpp"

#include <algorithm>

#include "emulator/store/txn_plan.hpp"

namespace kmslab::store {

LocalStore::LocalStore(std::unique_ptr<Journal> journal, LocalStoreOptions options)
    : journal_(std::move(journal)), options_(options) {
  if (journal_) state_ = journal_->load();
}

std::optional<KeyValue> LocalStore::get(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = state_.kvs.find(key);
  if (it == state_.kvs.end()) return std::nullopt;
  return it->second;
}

RangeResult LocalStore::range(const std::string& prefix, size_t limit,
                              const std::string& start_after) {
  std::lock_guard lock(mu_);
  RangeResult result;
  result.revision = state_.revision;
  auto it = start_after.empty() || start_after < prefix ? state_.kvs.lower_bound(prefix)
                                                        : state_.kvs.upper_bound(start_after);
  for (; it != state_.kvs.end() && has_prefix(it->first, prefix); ++it) {
    if (limit != 0 && result.kvs.size() == limit) {
      result.more = true;
      break;
    }
    result.kvs.push_back(it->second);
  }
  return result;
}

TxnResult LocalStore::txn(const Txn& txn) {
  validate_txn(txn);
  TxnResult result;
  {
    std::lock_guard lock(mu_);
    result.succeeded = compares_hold(state_.kvs, txn.compares);
    int64_t next = state_.revision + 1;
    std::vector<Event> events =
        plan_ops(state_.kvs, result.succeeded ? txn.success : txn.failure, next);
    if (!events.empty()) {
      int64_t compact_point = auto_compact_point(next);
      if (journal_) journal_->commit(next, events, compact_point);
      apply(events, next, compact_point);
      hub_->publish(next, std::move(events));
    }
    result.revision = state_.revision;
  }
  hub_->deliver();
  return result;
}

int64_t LocalStore::revision() {
  std::lock_guard lock(mu_);
  return state_.revision;
}

std::unique_ptr<WatchHandle> LocalStore::watch(const std::string& prefix, int64_t start_revision,
                                               WatchCallback on_events) {
  std::unique_ptr<WatchHandle> handle;
  {
    std::lock_guard lock(mu_);
    if (start_revision > 0 && start_revision < state_.compact_revision) {
      throw CompactedError(state_.compact_revision);
    }
    std::vector<Event> replay;
    if (start_revision > 0) replay = history_since(prefix, start_revision);
    // Registering under the state mutex makes the replay end exactly where live events begin.
    int64_t live_after = std::max(state_.revision, start_revision - 1);
    handle = hub_->add(prefix, live_after, replay, std::move(on_events));
  }
  hub_->deliver();
  return handle;
}

void LocalStore::compact(int64_t revision) {
  std::lock_guard lock(mu_);
  if (revision > state_.revision) {
    throw StoreError("cannot compact at revision " + std::to_string(revision) +
                     ": the store is at revision " + std::to_string(state_.revision));
  }
  if (revision <= state_.compact_revision) return;
  if (journal_) journal_->compact(revision);
  drop_history_before(revision);
}

std::string LocalStore::check_integrity() {
  std::lock_guard lock(mu_);
  if (std::string problem = check_invariants(state_); !problem.empty()) return problem;
  if (!journal_) return {};
  try {
    return journal_->check(state_);
  } catch (const StoreError& e) {
    return e.what();
  }
}

int64_t LocalStore::auto_compact_point(int64_t next_revision) const {
  int64_t keep = options_.history_revisions;
  if (keep <= 0) return state_.compact_revision;
  int64_t oldest_kept = next_revision - keep + 1;
  int64_t batch = std::max<int64_t>(1, keep / 8);
  return oldest_kept - state_.compact_revision >= batch ? oldest_kept : state_.compact_revision;
}

void LocalStore::apply(const std::vector<Event>& events, int64_t revision,
                       int64_t compact_revision) {
  for (const Event& e : events) {
    if (e.type == Event::Type::kPut) {
      state_.kvs.insert_or_assign(e.kv.key, e.kv);
    } else {
      state_.kvs.erase(e.kv.key);
    }
    state_.history.push_back(e);
  }
  state_.revision = revision;
  drop_history_before(compact_revision);
}

void LocalStore::drop_history_before(int64_t revision) {
  while (!state_.history.empty() && state_.history.front().kv.mod_revision < revision) {
    state_.history.pop_front();
  }
  state_.compact_revision = std::max(state_.compact_revision, revision);
}

std::vector<Event> LocalStore::history_since(const std::string& prefix,
                                             int64_t start_revision) const {
  auto first = std::ranges::lower_bound(state_.history, start_revision, {},
                                        [](const Event& e) { return e.kv.mod_revision; });
  std::vector<Event> events;
  for (auto it = first; it != state_.history.end(); ++it) {
    if (has_prefix(it->kv.key, prefix)) events.push_back(*it);
  }
  return events;
}

}  // namespace kmslab::store
