#include "emulator/store/store_state.hpp"

#include <sstream>
#include <unordered_map>

namespace kmslab::store {
namespace {

std::string describe(const KeyValue& kv) {
  std::ostringstream out;
  out << "'" << kv.key << "' (create " << kv.create_revision << ", mod " << kv.mod_revision
      << ", version " << kv.version << ", " << kv.value.size() << " value bytes)";
  return out.str();
}

std::string check_kv(const std::string& key, const KeyValue& kv, int64_t revision) {
  if (kv.key != key) return "key " + describe(kv) + " is filed under '" + key + "'";
  bool ordered = kv.create_revision >= 1 && kv.create_revision <= kv.mod_revision &&
                 kv.mod_revision <= revision;
  if (!ordered)
    return "key " + describe(kv) + " has revisions out of order at revision " +
           std::to_string(revision);
  // Each put after the creation has its own revision, so the version is bounded by their span.
  if (kv.version < 1 || kv.version > kv.mod_revision - kv.create_revision + 1) {
    return "key " + describe(kv) + " has an impossible version";
  }
  return {};
}

std::string check_history_order(const StoreState& s) {
  int64_t previous = s.compact_revision;
  for (const Event& e : s.history) {
    int64_t rev = e.kv.mod_revision;
    if (rev < previous || rev < 1 || rev > s.revision) {
      return "history event at revision " + std::to_string(rev) +
             " is out of order (compacted at " + std::to_string(s.compact_revision) +
             ", revision " + std::to_string(s.revision) + ")";
    }
    previous = rev;
  }
  return {};
}

// Every key written since the compaction point must match the last event on it, both ways.
std::string check_history_matches_kvs(const StoreState& s) {
  std::unordered_map<std::string, const Event*> last;
  for (const Event& e : s.history) last[e.kv.key] = &e;
  for (const auto& [key, event] : last) {
    auto it = s.kvs.find(key);
    bool live = it != s.kvs.end();
    if (event->type == Event::Type::kDelete && live) {
      return "key '" + key + "' is live but its last event is a delete";
    }
    if (event->type == Event::Type::kPut && (!live || !same_kv(it->second, event->kv))) {
      return "key '" + key + "' does not match its last event " + describe(event->kv);
    }
  }
  for (const auto& [key, kv] : s.kvs) {
    if (kv.mod_revision >= s.compact_revision && !last.contains(key)) {
      return "key " + describe(kv) + " has no event in the history";
    }
  }
  return {};
}

std::string diff_kvs(const std::map<std::string, KeyValue>& persisted,
                     const std::map<std::string, KeyValue>& in_memory) {
  for (const auto& [key, kv] : in_memory) {
    auto it = persisted.find(key);
    if (it == persisted.end()) return "key '" + key + "' is in memory but not persisted";
    if (!same_kv(it->second, kv)) {
      return "key persisted as " + describe(it->second) + " but in memory as " + describe(kv);
    }
  }
  for (const auto& [key, kv] : persisted) {
    if (!in_memory.contains(key)) return "key " + describe(kv) + " is persisted but not in memory";
  }
  return {};
}

std::string diff_history(const std::deque<Event>& persisted, const std::deque<Event>& in_memory) {
  if (persisted.size() != in_memory.size()) {
    return "history has " + std::to_string(persisted.size()) + " persisted events but " +
           std::to_string(in_memory.size()) + " in memory";
  }
  for (size_t i = 0; i < persisted.size(); ++i) {
    if (!same_event(persisted[i], in_memory[i])) {
      return "history event " + std::to_string(i) + " differs: persisted " +
             describe(persisted[i].kv) + ", in memory " + describe(in_memory[i].kv);
    }
  }
  return {};
}

}  // namespace

bool same_kv(const KeyValue& a, const KeyValue& b) {
  return a.key == b.key && a.value == b.value && a.create_revision == b.create_revision &&
         a.mod_revision == b.mod_revision && a.version == b.version;
}

bool same_event(const Event& a, const Event& b) {
  return a.type == b.type && same_kv(a.kv, b.kv);
}

std::string check_invariants(const StoreState& s) {
  if (s.revision < 0 || s.compact_revision < 0 || s.compact_revision > s.revision + 1) {
    return "revision " + std::to_string(s.revision) + " and compaction point " +
           std::to_string(s.compact_revision) + " are inconsistent";
  }
  for (const auto& [key, kv] : s.kvs) {
    if (std::string problem = check_kv(key, kv, s.revision); !problem.empty()) return problem;
  }
  if (std::string problem = check_history_order(s); !problem.empty()) return problem;
  return check_history_matches_kvs(s);
}

std::string diff_states(const StoreState& persisted, const StoreState& in_memory) {
  if (persisted.revision != in_memory.revision) {
    return "persisted revision " + std::to_string(persisted.revision) + " but " +
           std::to_string(in_memory.revision) + " in memory";
  }
  if (persisted.compact_revision != in_memory.compact_revision) {
    return "persisted compaction point " + std::to_string(persisted.compact_revision) + " but " +
           std::to_string(in_memory.compact_revision) + " in memory";
  }
  if (std::string problem = diff_kvs(persisted.kvs, in_memory.kvs); !problem.empty()) {
    return problem;
  }
  return diff_history(persisted.history, in_memory.history);
}

}  // namespace kmslab::store
