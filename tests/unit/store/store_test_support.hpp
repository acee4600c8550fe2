#pragma once
// Shared helpers for the store tests: a scratch directory, the backends the behavioural suites
// run against, and a watch recorder.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/store/local_store.hpp"
#include "emulator/store/sqlite_journal.hpp"
#include "emulator/store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::store::testing {

using TempDir = kmslab::testing::TempDir;

enum class Backend { kMemory, kSqlite };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kMemory ? "Memory" : "Sqlite";
}

/// A fixture running each test against a fresh store of the parameter's backend.
class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  std::unique_ptr<Store> open(LocalStoreOptions options = {}) {
    if (GetParam() == Backend::kMemory) return std::make_unique<LocalStore>(nullptr, options);
    return std::make_unique<LocalStore>(std::make_unique<SqliteJournal>(db_path()), options);
  }
  std::string db_path() const { return dir_.file("store.db"); }

  TempDir dir_;
  std::unique_ptr<Store> store_ = open();
};

/// Records every watch callback; safe to read once the writers are done.
class Recorder {
 public:
  WatchCallback callback() {
    return [this](const std::vector<Event>& events) {
      std::lock_guard lock(mu_);
      batches_.push_back(events);
    };
  }
  std::vector<std::vector<Event>> batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }
  /// The revision of each call (all events of one call share it).
  std::vector<int64_t> revisions() {
    std::vector<int64_t> out;
    for (const auto& batch : batches()) out.push_back(batch.front().kv.mod_revision);
    return out;
  }
  /// "put:key=value" / "del:key" for every event, in order.
  std::vector<std::string> events() {
    std::vector<std::string> out;
    for (const auto& batch : batches()) {
      for (const Event& e : batch) {
        out.push_back(e.type == Event::Type::kPut ? "put:" + e.kv.key + "=" + e.kv.value
                                                  : "del:" + e.kv.key);
      }
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<std::vector<Event>> batches_;
};

using Strings = std::vector<std::string>;

inline ::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

inline std::vector<std::string> keys_of(const RangeResult& r) {
  std::vector<std::string> keys;
  for (const KeyValue& kv : r.kvs) keys.push_back(kv.key);
  return keys;
}

}  // namespace kmslab::store::testing
