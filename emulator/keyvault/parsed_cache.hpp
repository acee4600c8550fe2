#pragma once
// Parsed store records, kept so that a hot read (GET key, unwrapKey) does not parse the same JSON
// on every request (it was a third of GET key's instructions). Exact, not "eventually": an entry
// is reused only while its key's mod_revision is unchanged, and that is checked against the
// store unless the store's revision has not moved since the last check (no write at all since,
// so nothing can have changed). Writers need not know the cache exists: whoever writes to the
// store (this repository, a vault purge, a restore) advances the revision.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "emulator/store/store.hpp"

namespace kmslab::keyvault {

template <class T>
class ParsedCache {
 public:
  explicit ParsedCache(size_t limit) : limit_(limit) {}

  /// The record at `key` parsed by T::from_json, or null when absent. Throws what the store and
  /// the parser throw.
  std::shared_ptr<const T> get(store::Store& store, const std::string& key) {
    // Read first: a write after this read makes `revision` stale, which only costs a re-check.
    const int64_t revision = store.revision();
    {
      std::lock_guard l(mu_);
      auto it = entries_.find(key);
      if (it != entries_.end() && it->second.checked_at == revision) return it->second.value;
    }
    auto kv = store.get(key);
    std::lock_guard l(mu_);
    auto it = entries_.find(key);
    if (!kv) {
      if (it != entries_.end()) entries_.erase(it);
      return nullptr;
    }
    if (it != entries_.end() && it->second.mod_revision == kv->mod_revision) {
      it->second.checked_at = revision;
      return it->second.value;
    }
    auto value = std::make_shared<const T>(T::from_json(nlohmann::json::parse(kv->value)));
    // Bounded like the key material cache: rebuilt from the store when dropped.
    if (it == entries_.end() && entries_.size() >= limit_) entries_.clear();
    entries_[key] = {kv->mod_revision, revision, value};
    return value;
  }

 private:
  struct Entry {
    int64_t mod_revision = 0;
    int64_t checked_at = 0;  // store revision at the last check against the store
    std::shared_ptr<const T> value;
  };
  const size_t limit_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace kmslab::keyvault
