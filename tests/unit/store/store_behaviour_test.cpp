// The behaviour every backend shares (kv, revisions, range, txn, compaction), run against each.
#include <gtest/gtest.h>

#include "tests/unit/store/store_test_support.hpp"

namespace kmslab::store::testing {
namespace {

using CmpOp = Compare::Op;

TEST_P(StoreTest, FreshStoreIsEmptyAtRevisionZero) {
  EXPECT_EQ(store_->revision(), base_);
  EXPECT_FALSE(store_->get("missing").has_value());
  EXPECT_TRUE(store_->range("").kvs.empty());
  EXPECT_EQ(store_->check_integrity(), "");
}

TEST_P(StoreTest, PutsAdvanceRevisionAndVersion) {
  EXPECT_EQ(store_->put("a", "1"), rev(1));
  EXPECT_EQ(store_->put("a", "2"), rev(2));
  EXPECT_EQ(store_->put("b", "x"), rev(3));
  auto a = store_->get("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->key, "a");
  EXPECT_EQ(a->value, "2");
  EXPECT_EQ(a->create_revision, rev(1));
  EXPECT_EQ(a->mod_revision, rev(2));
  EXPECT_EQ(a->version, 2);
  EXPECT_EQ(store_->get("b")->create_revision, rev(3));
  EXPECT_EQ(store_->revision(), rev(3));
}

TEST_P(StoreTest, DeleteRemovesKeyAndRecreationStartsOver) {
  store_->put("a", "1");
  store_->put("a", "2");
  EXPECT_EQ(store_->del("a"), rev(3));
  EXPECT_FALSE(store_->get("a").has_value());
  EXPECT_EQ(store_->put("a", "3"), rev(4));
  auto a = store_->get("a");
  EXPECT_EQ(a->create_revision, rev(4));
  EXPECT_EQ(a->mod_revision, rev(4));
  EXPECT_EQ(a->version, 1);
}

TEST_P(StoreTest, DeletingAMissingKeyIsNotAWrite) {
  store_->put("a", "1");
  EXPECT_EQ(store_->del("missing"), rev(1));
  EXPECT_EQ(store_->revision(), rev(1));
  TxnResult r = store_->txn({{}, {Op::del("x"), Op::del_prefix("nothing/")}, {}});
  EXPECT_TRUE(r.succeeded);
  EXPECT_EQ(r.revision, rev(1));
}

TEST_P(StoreTest, OneTransactionIsOneRevision) {
  store_->put("gone", "x");
  TxnResult r = store_->txn({{}, {Op::put("a", "1"), Op::put("b", "2"), Op::del("gone")}, {}});
  EXPECT_TRUE(r.succeeded);
  EXPECT_EQ(r.revision, rev(2));
  EXPECT_EQ(store_->get("a")->mod_revision, rev(2));
  EXPECT_EQ(store_->get("b")->mod_revision, rev(2));
  EXPECT_FALSE(store_->get("gone").has_value());
}

TEST_P(StoreTest, BinaryKeysAndEmptyValuesRoundTrip) {
  std::string key("k\0\xff", 3);
  std::string value("\0v\0", 3);
  store_->put(key, value);
  store_->put("empty", "");
  EXPECT_EQ(store_->get(key)->value, value);
  ASSERT_TRUE(store_->get("empty").has_value());
  EXPECT_EQ(store_->get("empty")->value, "");
  EXPECT_EQ(store_->check_integrity(), "");
}

class RangeTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    for (const char* k : {"a/2", "b/1", "a/1", "a", "a/3", "ab"}) store_->put(k, "v");
  }
};

TEST_P(RangeTest, PrefixSelectsSortedKeys) {
  RangeResult r = store_->range("a/");
  EXPECT_EQ(keys_of(r), (std::vector<std::string>{"a/1", "a/2", "a/3"}));
  EXPECT_FALSE(r.more);
  EXPECT_EQ(r.revision, rev(6));
  EXPECT_EQ(keys_of(store_->range("")),
            (std::vector<std::string>{"a", "a/1", "a/2", "a/3", "ab", "b/1"}));
  EXPECT_TRUE(store_->range("c").kvs.empty());
}

TEST_P(RangeTest, LimitSetsMoreOnlyWhenItCuts) {
  RangeResult first = store_->range("a/", 2);
  EXPECT_EQ(keys_of(first), (std::vector<std::string>{"a/1", "a/2"}));
  EXPECT_TRUE(first.more);
  RangeResult exact = store_->range("a/", 3);
  EXPECT_EQ(exact.kvs.size(), 3u);
  EXPECT_FALSE(exact.more);
}

TEST_P(RangeTest, StartAfterPages) {
  RangeResult page = store_->range("a/", 2, "a/2");
  EXPECT_EQ(keys_of(page), (std::vector<std::string>{"a/3"}));
  EXPECT_FALSE(page.more);
  EXPECT_EQ(keys_of(store_->range("a/", 0, "a/1")), (std::vector<std::string>{"a/2", "a/3"}));
  EXPECT_EQ(keys_of(store_->range("a/", 0, "a")), (std::vector<std::string>{"a/1", "a/2", "a/3"}));
  EXPECT_TRUE(store_->range("a/", 0, "a/3").kvs.empty());
  EXPECT_TRUE(store_->range("a/", 0, "b").kvs.empty());
}

struct CompareCase {
  const char* name;
  Compare compare;
  bool holds;
};

// "k": created at base + 1, modified at base + 2, version 2, value "v2". "m": missing.
std::vector<CompareCase> compare_cases(int64_t base) {
  return {
      {"version==2", Compare::version("k", CmpOp::kEqual, 2), true},
      {"version!=2", Compare::version("k", CmpOp::kNotEqual, 2), false},
      {"version<3", Compare::version("k", CmpOp::kLess, 3), true},
      {"version>1", Compare::version("k", CmpOp::kGreater, 1), true},
      {"version>2", Compare::version("k", CmpOp::kGreater, 2), false},
      {"create==1", Compare::create_revision("k", CmpOp::kEqual, base + 1), true},
      {"create<1", Compare::create_revision("k", CmpOp::kLess, base + 1), false},
      {"create!=5", Compare::create_revision("k", CmpOp::kNotEqual, base + 5), true},
      {"mod==2", Compare::mod_revision("k", CmpOp::kEqual, base + 2), true},
      {"mod>2", Compare::mod_revision("k", CmpOp::kGreater, base + 2), false},
      {"mod<3", Compare::mod_revision("k", CmpOp::kLess, base + 3), true},
      {"value==v2", Compare::value_is("k", CmpOp::kEqual, "v2"), true},
      {"value!=v2", Compare::value_is("k", CmpOp::kNotEqual, "v2"), false},
      {"value<v3", Compare::value_is("k", CmpOp::kLess, "v3"), true},
      {"value>v1", Compare::value_is("k", CmpOp::kGreater, "v1"), true},
      {"value>v2", Compare::value_is("k", CmpOp::kGreater, "v2"), false},
      {"missing version==0", Compare::version("m", CmpOp::kEqual, 0), true},
      {"missing create==0", Compare::create_revision("m", CmpOp::kEqual, 0), true},
      {"missing mod==0", Compare::mod_revision("m", CmpOp::kEqual, 0), true},
      {"missing mod>0", Compare::mod_revision("m", CmpOp::kGreater, 0), false},
      {"missing mod<1", Compare::mod_revision("m", CmpOp::kLess, 1), true},
      // etcd: a value compare on a missing key fails whatever the op.
      {"missing value==''", Compare::value_is("m", CmpOp::kEqual, ""), false},
      {"missing value!=x", Compare::value_is("m", CmpOp::kNotEqual, "x"), false},
      {"missing value<x", Compare::value_is("m", CmpOp::kLess, "x"), false},
  };
}

TEST_P(StoreTest, CompareChoosesTheBranch) {
  store_->put("k", "v1");
  store_->put("k", "v2");
  for (const CompareCase& c : compare_cases(base_)) {
    SCOPED_TRACE(c.name);
    int64_t before = store_->revision();
    TxnResult r =
        store_->txn({{c.compare}, {Op::put("branch", "success")}, {Op::put("branch", "failure")}});
    EXPECT_EQ(r.succeeded, c.holds);
    EXPECT_EQ(r.revision, before + 1);
    EXPECT_EQ(store_->get("branch")->value, c.holds ? "success" : "failure");
  }
}

TEST_P(StoreTest, EveryCompareMustHold) {
  store_->put("k", "v");
  Txn txn{{Compare::version("k", CmpOp::kEqual, 1), Compare::value_is("k", CmpOp::kEqual, "other")},
          {Op::put("k", "won")},
          {}};
  TxnResult r = store_->txn(txn);
  EXPECT_FALSE(r.succeeded);
  EXPECT_EQ(r.revision, rev(1));  // the failure branch wrote nothing
  EXPECT_EQ(store_->get("k")->value, "v");
}

TEST_P(StoreTest, CompareAndSwapOnModRevision) {
  int64_t rev = store_->put("k", "1");
  auto cas = [&](int64_t expected, const char* value) {
    return store_->txn(
        {{Compare::mod_revision("k", CmpOp::kEqual, expected)}, {Op::put("k", value)}, {}});
  };
  EXPECT_TRUE(cas(rev, "2").succeeded);
  EXPECT_FALSE(cas(rev, "3").succeeded);
  EXPECT_EQ(store_->get("k")->value, "2");
}

TEST_P(StoreTest, CreateIfMissing) {
  Txn create{{Compare::create_revision("k", CmpOp::kEqual, 0)}, {Op::put("k", "first")}, {}};
  EXPECT_TRUE(store_->txn(create).succeeded);
  EXPECT_FALSE(store_->txn(create).succeeded);
  EXPECT_EQ(store_->get("k")->value, "first");
}

TEST_P(StoreTest, DeletePrefixRemovesOnlyThePrefix) {
  store_->put("a/1", "x");
  store_->put("a/2", "x");
  store_->put("ab", "x");
  TxnResult r = store_->txn({{}, {Op::del_prefix("a/"), Op::put("c", "x")}, {}});
  EXPECT_EQ(r.revision, rev(4));
  EXPECT_EQ(keys_of(store_->range("")), (std::vector<std::string>{"ab", "c"}));
  EXPECT_EQ(store_->get("c")->mod_revision, rev(4));
  EXPECT_EQ(store_->check_integrity(), "");
}

TEST_P(StoreTest, WritingAKeyTwiceInATransactionIsRejected) {
  store_->put("a/1", "x");
  EXPECT_THROW(store_->txn({{}, {Op::put("k", "1"), Op::put("k", "2")}, {}}), StoreError);
  EXPECT_THROW(store_->txn({{}, {Op::put("a/1", "1"), Op::del_prefix("a/")}, {}}), StoreError);
  EXPECT_THROW(store_->txn({{}, {}, {Op::del("k"), Op::put("k", "1")}}), StoreError);
  EXPECT_THROW(store_->put("", "x"), StoreError);
  EXPECT_EQ(store_->revision(), rev(1));
  EXPECT_FALSE(store_->get("k").has_value());
  // Overlapping deletes are fine, as in etcd: the key is deleted once.
  EXPECT_EQ(store_->txn({{}, {Op::del_prefix("a/"), Op::del("a/1")}, {}}).revision, rev(2));
}

TEST_P(StoreTest, CompactionDropsEarlierHistory) {
  for (int i = 1; i <= 5; ++i) store_->put("k", std::to_string(i));
  store_->compact(rev(3));
  try {
    store_->watch("", rev(2), [](const auto&) {});
    FAIL() << "expected CompactedError";
  } catch (const CompactedError& e) {
    EXPECT_EQ(e.compact_revision(), rev(3));
  }
  Recorder rec;
  auto handle = store_->watch("", rev(3), rec.callback());
  ASSERT_TRUE(rec.wait_calls(3));
  EXPECT_EQ(rec.revisions(), revs({3, 4, 5}));
  store_->compact(rev(2));  // behind the compaction point: nothing to do
  EXPECT_THROW(store_->compact(rev(6)), StoreError);
  EXPECT_EQ(store_->get("k")->value, "5");
  EXPECT_EQ(store_->check_integrity(), "");
}

// LocalStore's own history bound (etcd bounds history with its --auto-compaction-* flags).
using LocalStoreTest = StoreTest;

TEST_P(LocalStoreTest, HistoryIsBoundedAutomatically) {
  store_.reset();
  store_ = open({.history_revisions = 8});
  for (int i = 0; i < 40; ++i) store_->put("k/" + std::to_string(i % 3), std::to_string(i));
  EXPECT_THROW(store_->watch("", 1, [](const auto&) {}), CompactedError);
  Recorder rec;
  auto handle = store_->watch("", 33, rec.callback());
  EXPECT_EQ(rec.revisions(), (std::vector<int64_t>{33, 34, 35, 36, 37, 38, 39, 40}));
  EXPECT_EQ(store_->check_integrity(), "");
}

TEST_P(StoreTest, IntegrityHoldsAfterAMixedWorkload) {
  for (int i = 0; i < 50; ++i) {
    std::string key = "k/" + std::to_string(i % 7);
    if (i % 5 == 4) {
      store_->del(key);
    } else {
      store_->put(key, std::to_string(i));
    }
  }
  store_->txn({{}, {Op::del_prefix("k/1"), Op::put("z", "z")}, {}});
  store_->compact(rev(20));
  EXPECT_EQ(store_->check_integrity(), "");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, kAllBackends, backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, RangeTest, kAllBackends, backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, LocalStoreTest, kLocalBackends, backend_name);

}  // namespace
}  // namespace kmslab::store::testing
