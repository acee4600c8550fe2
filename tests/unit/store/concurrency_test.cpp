// Transactions from several threads serialize exactly, and watches see them in order.
#include <gtest/gtest.h>

#include <thread>

#include "tests/unit/store/store_test_support.hpp"

namespace kmslab::store::testing {
namespace {

using ConcurrencyTest = StoreTest;

// Reads the counter and writes it back incremented only if nobody wrote in between.
void increment(Store& store) {
  for (;;) {
    auto current = store.get("counter");
    int64_t value = current ? std::stoll(current->value) : 0;
    Compare unchanged =
        current ? Compare::mod_revision("counter", Compare::Op::kEqual, current->mod_revision)
                : Compare::create_revision("counter", Compare::Op::kEqual, 0);
    if (store.txn({{unchanged}, {Op::put("counter", std::to_string(value + 1))}, {}}).succeeded) {
      return;
    }
  }
}

TEST_P(ConcurrencyTest, CompareAndSwapIncrementsAreExact) {
  constexpr int kThreads = 4;
  constexpr int kIncrements = 150;
  Recorder rec;
  auto handle = store_->watch("counter", 0, rec.callback());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) increment(*store_);
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(store_->get("counter")->value, std::to_string(kThreads * kIncrements));
  EXPECT_EQ(store_->revision(), rev(kThreads * kIncrements));
  ASSERT_TRUE(rec.wait_calls(kThreads * kIncrements));
  std::vector<int64_t> revisions = rec.revisions();
  ASSERT_EQ(revisions.size(), static_cast<size_t>(kThreads * kIncrements));
  for (size_t i = 1; i < revisions.size(); ++i) ASSERT_LT(revisions[i - 1], revisions[i]);
  // Watch order is commit order, so the values seen count up one by one.
  auto batches = rec.batches();
  for (size_t i = 0; i < batches.size(); ++i) {
    ASSERT_EQ(batches[i][0].kv.value, std::to_string(i + 1));
  }
  EXPECT_EQ(store_->check_integrity(), "");
}

TEST_P(ConcurrencyTest, ReadersSeeWholeTransactions) {
  // Two keys always written together must always be read with equal mod revisions.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 300; ++i)
      store_->txn({{}, {Op::put("x", std::to_string(i)), Op::put("y", std::to_string(i))}, {}});
    stop = true;
  });
  int torn = 0;
  while (!stop) {
    RangeResult r = store_->range("");
    if (r.kvs.size() == 2 && r.kvs[0].mod_revision != r.kvs[1].mod_revision) ++torn;
  }
  writer.join();
  EXPECT_EQ(torn, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConcurrencyTest, kAllBackends, backend_name);

}  // namespace
}  // namespace kmslab::store::testing
