// Watch behaviour shared by every backend: live events, replay, cancellation, reentrancy.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/unit/store/store_test_support.hpp"

namespace kmslab::store::testing {
namespace {

using WatchTest = StoreTest;

TEST_P(WatchTest, LiveEventsUnderThePrefixOneCallPerTransaction) {
  Recorder rec;
  auto handle = store_->watch("a/", 0, rec.callback());
  store_->put("a/1", "x");
  store_->put("b/1", "x");
  store_->txn({{}, {Op::put("a/2", "y"), Op::put("a/3", "z"), Op::del("a/1")}, {}});
  store_->del("a/missing");
  ASSERT_TRUE(rec.wait_calls(2));
  EXPECT_EQ(rec.revisions(), revs({1, 3}));
  EXPECT_EQ(rec.events(), (Strings{"put:a/1=x", "put:a/2=y", "put:a/3=z", "del:a/1"}));
}

TEST_P(WatchTest, EventsCarryTheKeyValueAfterTheWrite) {
  store_->put("k", "1");
  Recorder rec;
  auto handle = store_->watch("", 0, rec.callback());
  store_->put("k", "2");
  store_->del("k");
  ASSERT_TRUE(rec.wait_calls(2));
  auto batches = rec.batches();
  ASSERT_EQ(batches.size(), 2u);
  const KeyValue& put = batches[0][0].kv;
  EXPECT_EQ(put.create_revision, rev(1));
  EXPECT_EQ(put.mod_revision, rev(2));
  EXPECT_EQ(put.version, 2);
  const Event& del = batches[1][0];
  EXPECT_EQ(del.type, Event::Type::kDelete);
  EXPECT_EQ(del.kv.key, "k");
  EXPECT_EQ(del.kv.mod_revision, rev(3));
  EXPECT_EQ(del.kv.value, "");
}

TEST_P(WatchTest, DeletePrefixEmitsOneDeletePerKey) {
  store_->put("a/1", "x");
  store_->put("a/2", "x");
  Recorder rec;
  auto handle = store_->watch("a/", 0, rec.callback());
  store_->txn({{}, {Op::del_prefix("a/")}, {}});
  ASSERT_TRUE(rec.wait_calls(1));
  EXPECT_EQ(rec.events(), (Strings{"del:a/1", "del:a/2"}));
  EXPECT_EQ(rec.revisions(), revs({3}));
}

TEST_P(WatchTest, ReplaysFromAPastRevisionThenGoesLiveWithoutGapOrDuplicate) {
  for (int i = 1; i <= 10; ++i) store_->put("k/" + std::to_string(i), "v");
  store_->put("other", "v");
  Recorder rec;
  auto handle = store_->watch("k/", rev(4), rec.callback());
  ASSERT_TRUE(rec.wait_calls(7));
  EXPECT_EQ(rec.revisions(), revs({4, 5, 6, 7, 8, 9, 10}));
  for (int i = 11; i <= 13; ++i) store_->put("k/" + std::to_string(i), "v");
  ASSERT_TRUE(rec.wait_calls(10));
  EXPECT_EQ(rec.revisions(), revs({4, 5, 6, 7, 8, 9, 10, 12, 13, 14}));
}

TEST_P(WatchTest, StartRevisionInTheFutureWaitsForIt) {
  store_->put("k", "1");
  Recorder rec;
  auto handle = store_->watch("", rev(4), rec.callback());
  for (int i = 2; i <= 5; ++i) store_->put("k", std::to_string(i));
  ASSERT_TRUE(rec.wait_calls(2));
  EXPECT_EQ(rec.revisions(), revs({4, 5}));
}

TEST_P(WatchTest, CompactedStartRevisionThrows) {
  for (int i = 0; i < 4; ++i) store_->put("k", "v");
  store_->compact(rev(3));
  EXPECT_THROW(store_->watch("", rev(1), [](const auto&) {}), CompactedError);
  EXPECT_NO_THROW(store_->watch("", 0, [](const auto&) {}));
}

TEST_P(WatchTest, DestroyingTheHandleCancels) {
  Recorder rec;
  auto handle = store_->watch("", 0, rec.callback());
  store_->put("k", "1");
  ASSERT_TRUE(rec.wait_calls(1));
  handle.reset();
  store_->put("k", "2");
  // A later watch seeing "2" proves it was delivered to watches; the cancelled one got nothing.
  Recorder later;
  auto witness = store_->watch("", rev(2), later.callback());
  ASSERT_TRUE(later.wait_calls(1));
  EXPECT_EQ(rec.revisions(), revs({1}));
}

TEST_P(WatchTest, ACallbackMayCancelItsOwnWatch) {
  std::unique_ptr<WatchHandle> handle;
  std::atomic<int> calls{0};
  std::mutex mu;  // handle is reset by the callback, possibly on the watch's thread
  {
    std::lock_guard lock(mu);
    handle = store_->watch("", 0, [&](const auto&) {
      ++calls;
      std::lock_guard inner(mu);
      handle.reset();
    });
  }
  store_->put("k", "1");
  ASSERT_TRUE(eventually([&] { return calls == 1; }));
  store_->put("k", "2");
  Recorder later;
  auto witness = store_->watch("", rev(2), later.callback());
  ASSERT_TRUE(later.wait_calls(1));
  EXPECT_EQ(calls, 1);
}

TEST_P(WatchTest, ACallbackMayReadAndWriteTheStore) {
  Recorder rec;
  auto recorder = store_->watch("", 0, rec.callback());
  std::mutex mu;
  std::vector<std::string> seen;
  auto echo = store_->watch("in/", 0, [&](const std::vector<Event>& events) {
    for (const Event& e : events) {
      std::string value = store_->get(e.kv.key)->value;
      {
        std::lock_guard lock(mu);
        seen.push_back(value);
      }
      store_->put("out/" + e.kv.key.substr(3), e.kv.value);
    }
  });
  // Each echo is awaited before the next write (etcd delivers asynchronously).
  store_->put("in/a", "1");
  ASSERT_TRUE(rec.wait_calls(2));
  store_->put("in/b", "2");
  ASSERT_TRUE(rec.wait_calls(4));
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (Strings{"1", "2"}));
  EXPECT_EQ(rec.events(), (Strings{"put:in/a=1", "put:out/a=1", "put:in/b=2", "put:out/b=2"}));
  EXPECT_EQ(rec.revisions(), revs({1, 2, 3, 4}));
}

TEST_P(WatchTest, AWatchStartedInsideACallbackReplaysInOrder) {
  for (int i = 0; i < 3; ++i) store_->put("k", std::to_string(i));
  Recorder rec;
  std::unique_ptr<WatchHandle> inner;
  auto outer = store_->watch(
      "trigger", 0, [&](const auto&) { inner = store_->watch("k", rev(2), rec.callback()); });
  store_->put("trigger", "x");
  store_->put("k", "3");
  ASSERT_TRUE(rec.wait_calls(3));
  EXPECT_EQ(rec.revisions(), revs({2, 3, 5}));
  outer.reset();  // before `inner`, which its callback writes
}

TEST_P(WatchTest, AThrowingCallbackEndsOnlyItsOwnWatch) {
  std::atomic<int> throwing_calls{0};
  auto bad = store_->watch("", 0, [&](const auto&) {
    ++throwing_calls;
    throw std::runtime_error("watcher bug");
  });
  Recorder rec;
  auto good = store_->watch("", 0, rec.callback());
  EXPECT_EQ(store_->put("k", "1"), rev(1));
  store_->put("k", "2");
  ASSERT_TRUE(rec.wait_calls(2));
  ASSERT_TRUE(eventually([&] { return throwing_calls >= 1; }));
  EXPECT_EQ(throwing_calls, 1);
  EXPECT_EQ(rec.revisions(), revs({1, 2}));
}

TEST_P(WatchTest, AHandleMayOutliveItsStore) {
  auto handle = store_->watch("", 0, [](const auto&) {});
  store_.reset();
  handle.reset();
}

TEST_P(WatchTest, NoCallbackRunsAfterTheHandleIsDestroyedOnAnotherThread) {
  std::atomic<bool> destroyed{false};
  std::atomic<int> late_calls{0};
  std::atomic<int> calls{0};
  auto handle = store_->watch("", 0, [&](const auto&) {
    if (destroyed) ++late_calls;
    ++calls;
  });
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop) store_->put("k", "v");
  });
  const bool called = eventually([&] { return calls >= 20; });
  handle.reset();
  destroyed = true;
  int64_t after = store_->revision();
  eventually([&] { return store_->revision() >= after + 20; });
  stop = true;
  writer.join();
  EXPECT_TRUE(called);
  EXPECT_EQ(late_calls, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, WatchTest, kAllBackends, backend_name);

}  // namespace
}  // namespace kmslab::store::testing
