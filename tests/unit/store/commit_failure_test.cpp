// A transaction whose commit fails leaves the store exactly as it was: no value, no revision, no
// watch event.
#include <gtest/gtest.h>

#include "tests/unit/store/store_test_support.hpp"

namespace kmslab::store::testing {
namespace {

// A journal that persists nothing and fails on demand, to test LocalStore's side of the contract.
class FlakyJournal : public Journal {
 public:
  explicit FlakyJournal(bool* failing) : failing_(failing) {}
  StoreState load() override { return {}; }
  void commit(int64_t revision, const std::vector<Event>&, int64_t) override {
    if (*failing_) throw StoreError("disk on fire at revision " + std::to_string(revision));
  }
  void compact(int64_t) override {
    if (*failing_) throw StoreError("disk on fire");
  }
  std::string check(const StoreState&) override { return {}; }

 private:
  bool* failing_;
};

TEST(CommitFailureTest, AFailedJournalCommitChangesNothing) {
  bool failing = false;
  LocalStore store(std::make_unique<FlakyJournal>(&failing));
  store.put("k", "old");
  store.put("gone", "x");
  Recorder rec;
  auto handle = store.watch("", 0, rec.callback());

  failing = true;
  EXPECT_THROW(store.put("k", "new"), StoreError);
  EXPECT_THROW(store.txn({{}, {Op::del("gone"), Op::put("n", "1")}, {}}), StoreError);
  EXPECT_THROW(store.compact(2), StoreError);
  EXPECT_EQ(store.get("k")->value, "old");
  EXPECT_EQ(store.get("k")->version, 1);
  EXPECT_TRUE(store.get("gone").has_value());
  EXPECT_FALSE(store.get("n").has_value());
  EXPECT_EQ(store.revision(), 2);
  EXPECT_TRUE(rec.batches().empty());
  EXPECT_NO_THROW(store.watch("", 1, [](const auto&) {}));  // the compaction did not happen

  failing = false;
  EXPECT_EQ(store.put("k", "new"), 3);
  EXPECT_EQ(rec.revisions(), (std::vector<int64_t>{3}));
  EXPECT_EQ(store.check_integrity(), "");
}

TEST(CommitFailureTest, SqliteFullLeavesStateAndFileUnchanged) {
  TempDir dir;
  std::string path = dir.file("store.db");
  {
    LocalStore store(std::make_unique<SqliteJournal>(path, SqliteOptions{.max_page_count = 64}));
    store.put("k", "old");
    Recorder rec;
    auto handle = store.watch("", 0, rec.callback());
    try {
      store.put("k", std::string(1 << 20, 'x'));
      FAIL() << "expected the commit to fail";
    } catch (const StoreError& e) {
      EXPECT_TRUE(contains(e.what(), "cannot commit revision 2"));
      EXPECT_TRUE(contains(e.what(), path));
      EXPECT_TRUE(contains(e.what(), "full"));
    }
    EXPECT_EQ(store.get("k")->value, "old");
    EXPECT_EQ(store.revision(), 1);
    EXPECT_TRUE(rec.batches().empty());
    EXPECT_EQ(store.check_integrity(), "");
    EXPECT_EQ(store.put("small", "fits"), 2);  // the store keeps working after the failure
    EXPECT_EQ(store.check_integrity(), "");
  }
  auto store = open_store("sqlite:" + path);
  EXPECT_EQ(store->revision(), 2);
  EXPECT_EQ(store->get("k")->value, "old");
  EXPECT_EQ(store->get("small")->value, "fits");
  EXPECT_EQ(store->check_integrity(), "");
}

}  // namespace
}  // namespace kmslab::store::testing
