#pragma once
// Shared helpers for the store tests: a scratch directory, the backends the behavioural suites
// run against, and a watch recorder.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emulator/store/local_store.hpp"
#include "emulator/store/sqlite_journal.hpp"
#include "emulator/store/store.hpp"
#include "tests/support/etcd_cluster.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::store::testing {

using TempDir = kmslab::testing::TempDir;

enum class Backend { kMemory, kSqlite, kEtcd };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case Backend::kMemory:
      return "Memory";
    case Backend::kSqlite:
      return "Sqlite";
    case Backend::kEtcd:
      return "Etcd";
  }
  return "Unknown";
}

inline const auto kAllBackends =
    ::testing::Values(Backend::kMemory, Backend::kSqlite, Backend::kEtcd);
inline const auto kLocalBackends = ::testing::Values(Backend::kMemory, Backend::kSqlite);

/// One single-member etcd for the whole test process, started on first use.
inline kmslab::testing::EtcdCluster& shared_etcd() {
  static kmslab::testing::EtcdCluster cluster(1);
  return cluster;
}

/// Polls `done` until it holds or 10 s pass (etcd delivers watch events asynchronously; the local
/// backends before the write returns, so for them the first poll holds).
inline bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

/// A fixture running each test against a fresh store of the parameter's backend. Revisions are
/// relative to `base_`, the store's revision at the start (etcd's first revision is 1, and the
/// etcd of a process is shared by its tests: each starts by deleting every key).
class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kEtcd) KMSLAB_REQUIRE_ETCD();
    store_ = open();
    if (GetParam() == Backend::kEtcd) store_->txn({{}, {Op::del_prefix("")}, {}});
    base_ = store_->revision();
  }

  std::unique_ptr<Store> open(LocalStoreOptions options = {}) {
    switch (GetParam()) {
      case Backend::kMemory:
        return std::make_unique<LocalStore>(nullptr, options);
      case Backend::kSqlite:
        return std::make_unique<LocalStore>(std::make_unique<SqliteJournal>(db_path()), options);
      case Backend::kEtcd:
        return open_store(shared_etcd().spec());
    }
    return nullptr;
  }
  std::string db_path() const { return dir_.file("store.db"); }
  /// The revision `n` writes after the start.
  int64_t rev(int64_t n) const { return base_ + n; }
  std::vector<int64_t> revs(std::initializer_list<int64_t> ns) const {
    std::vector<int64_t> out;
    for (int64_t n : ns) out.push_back(rev(n));
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  int64_t base_ = 0;
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
  size_t calls() {
    std::lock_guard lock(mu_);
    return batches_.size();
  }
  /// Waits (bounded) for at least `n` calls; true if they came.
  bool wait_calls(size_t n) {
    return eventually([&] { return calls() >= n; });
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
