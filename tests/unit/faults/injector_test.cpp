// The live rule set: counts, seeded probabilities, ttl on the virtual clock, persistence across a
// restart, thread-safe bookkeeping, and what guard() does to a handler.
#include "emulator/faults/injector.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/support/temp_dir.hpp"

namespace kmslab::faults {
namespace {

using nlohmann::json;

class InjectorTest : public ::testing::Test {
 protected:
  InjectorTest()
      : clock(core::VirtualClock::Mode::kManual, *core::parse_rfc3339("2026-01-01T00:00:00Z")),
        rng(7),
        store(store::open_store("sqlite:" + dir.file("store.db"))) {}

  std::unique_ptr<FaultInjector> make() {
    auto f = std::make_unique<FaultInjector>(*store, clock, rng, &metrics);
    f->add_operations({"encrypt", "decrypt"});
    return f;
  }
  std::string add(FaultInjector& f, const json& rule) {
    auto r = f.add(rule);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value()["id"].get<std::string>() : "";
  }
  static int fires(FaultInjector& f, const FaultTarget& t, int tries) {
    int n = 0;
    for (int i = 0; i < tries; ++i) n += f.fire(t).has_value();
    return n;
  }

  testing::TempDir dir;
  core::VirtualClock clock;
  core::SeededRng rng;
  core::MetricsRegistry metrics;
  std::unique_ptr<store::Store> store;
  const FaultTarget encrypt{"keyvault", "v1", "k1", "encrypt", "", "127.0.0.1"};
  const FaultTarget decrypt{"keyvault", "v1", "k1", "decrypt", "", "127.0.0.1"};
};

const json kThrottle = {{"type", "error"}, {"status", 429}};

TEST_F(InjectorTest, CountRetiresTheRule) {
  auto f = make();
  add(*f, {{"match", {{"operation", "encrypt"}}}, {"action", kThrottle}, {"count", 3}});
  EXPECT_EQ(fires(*f, decrypt, 5), 0);
  EXPECT_EQ(fires(*f, encrypt, 10), 3);
  EXPECT_TRUE(f->empty());
  EXPECT_EQ(f->list()["value"].size(), 0u);
  EXPECT_EQ(store->range("/kmslab/faults/").kvs.size(), 0u);
}

TEST_F(InjectorTest, InvalidRuleChangesNothing) {
  auto f = make();
  auto r = f->add({{"action", {{"type", "error"}, {"status", 700}}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 400u);
  EXPECT_EQ(r.error().code, "BadParameter");
  auto unknown_op = f->add({{"match", {{"operation", "frobnicate"}}}, {"action", kThrottle}});
  ASSERT_FALSE(unknown_op.ok());
  EXPECT_NE(unknown_op.error().message.find("decrypt, encrypt"), std::string::npos);
  EXPECT_TRUE(f->empty());
  EXPECT_EQ(store->range("/kmslab/faults/").kvs.size(), 0u);
}

TEST_F(InjectorTest, ProbabilityFollowsTheSeed) {
  auto run = [&](uint64_t seed) {
    core::SeededRng seeded(seed);
    auto s = store::open_store("memory");
    FaultInjector f(*s, clock, seeded);
    EXPECT_TRUE(f.add({{"action", kThrottle}, {"probability", 0.25}}).ok());
    std::string pattern;
    for (int i = 0; i < 400; ++i) pattern += f.fire(encrypt) ? '1' : '0';
    return pattern;
  };
  const std::string a = run(3);
  EXPECT_EQ(a, run(3));  // the same seed, the same faults
  EXPECT_NE(a, run(4));
  const auto ones = std::count(a.begin(), a.end(), '1');
  EXPECT_GT(ones, 60);  // 100 expected; far outside chance otherwise
  EXPECT_LT(ones, 140);
  auto f = make();
  add(*f, {{"action", kThrottle}, {"probability", 0}});
  EXPECT_EQ(fires(*f, encrypt, 50), 0);
}

TEST_F(InjectorTest, TtlRunsOnTheVirtualClock) {
  auto f = make();
  add(*f, {{"action", kThrottle}, {"ttl", "10m"}});
  EXPECT_TRUE(f->fire(encrypt));
  clock.advance(std::chrono::minutes(9));
  EXPECT_TRUE(f->fire(encrypt));
  EXPECT_EQ(f->list()["value"][0]["expires"], "2026-01-01T00:10:00Z");
  clock.advance(std::chrono::minutes(1));
  EXPECT_FALSE(f->fire(encrypt));
  EXPECT_EQ(f->list()["value"].size(), 0u);
}

TEST_F(InjectorTest, RulesAndTheirBookkeepingSurviveARestart) {
  std::string id;
  {
    auto f = make();
    id = add(*f, {{"match", {{"key", "k1"}}}, {"action", kThrottle}, {"count", 5}, {"ttl", "1h"}});
    EXPECT_EQ(fires(*f, encrypt, 2), 2);
  }
  store.reset();
  store = store::open_store("sqlite:" + dir.file("store.db"));
  auto f = make();
  const auto listed = f->list()["value"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["id"], id);
  EXPECT_EQ(listed[0]["count"], 3);
  EXPECT_EQ(listed[0]["fired"], 2);
  EXPECT_EQ(listed[0]["expires"], "2026-01-01T01:00:00Z");
  EXPECT_EQ(fires(*f, encrypt, 10), 3);
}

TEST_F(InjectorTest, AnUnlimitedRuleFiresWithoutWritingTheStore) {
  auto f = make();
  add(*f, {{"action", {{"type", "latency"}, {"ms", 1}}}});
  const int64_t before = store->revision();
  EXPECT_EQ(fires(*f, encrypt, 20), 20);
  EXPECT_EQ(store->revision(), before);
  EXPECT_EQ(f->list()["value"][0]["fired"], 20);
}

TEST_F(InjectorTest, RemoveAndClear) {
  auto f = make();
  const std::string a = add(*f, {{"action", kThrottle}});
  add(*f, {{"action", {{"type", "reset"}}}});
  EXPECT_FALSE(f->remove("no-such-id"));
  EXPECT_TRUE(f->remove(a));
  EXPECT_TRUE(std::holds_alternative<ResetAction>(f->fire(encrypt)->action));
  add(*f, {{"action", kThrottle}});
  EXPECT_EQ(f->clear(), 2u);
  EXPECT_TRUE(f->empty());
  EXPECT_EQ(store->range("/kmslab/faults/").kvs.size(), 0u);
}

TEST_F(InjectorTest, OldestMatchingRuleFiresFirst) {
  auto f = make();
  add(*f, {{"match", {{"operation", "decrypt"}}}, {"action", {{"type", "reset"}}}});
  add(*f, {{"action", kThrottle}, {"count", 1}});
  add(*f, {{"action", {{"type", "latency"}, {"ms", 5}}}});
  EXPECT_TRUE(std::holds_alternative<ErrorAction>(f->fire(encrypt)->action));
  EXPECT_TRUE(std::holds_alternative<LatencyAction>(f->fire(encrypt)->action));
  EXPECT_TRUE(std::holds_alternative<ResetAction>(f->fire(decrypt)->action));
}

TEST_F(InjectorTest, CountIsExactUnderConcurrency) {
  auto f = make();
  add(*f, {{"action", kThrottle}, {"count", 100}});
  std::atomic<int> fired{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) fired += f->fire(encrypt).has_value();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(fired, 100);
  EXPECT_TRUE(f->empty());
}

TEST_F(InjectorTest, CallerIdMatchingIsAdvertised) {
  auto f = make();
  add(*f, {{"match", {{"caller", "127.0.0.1"}}}, {"action", kThrottle}});
  EXPECT_FALSE(f->wants_caller_id());  // an address needs no token decoding
  add(*f, {{"match", {{"caller", "0a1b2c3d-0000-4000-8000-000000000001"}}}, {"action", kThrottle}});
  EXPECT_TRUE(f->wants_caller_id());
}

class GuardTest : public InjectorTest {
 protected:
  core::Result<core::Reply> call(FaultInjector& f) {
    auto handler = f.guard(
        [this](core::RequestContext&) -> core::Result<core::Reply> {
          ++handler_runs;
          return core::Reply::json({{"ok", true}});
        },
        [this](const core::RequestContext&) { return encrypt; });
    core::HttpRequest request;
    core::ConnectionInfo conn;
    core::RequestContext ctx{request, conn, {}, {}, {}, {}, {}, {}, clock};
    return handler(ctx);
  }
  int handler_runs = 0;
};

TEST_F(GuardTest, ErrorAndResetStopTheHandler) {
  auto f = make();
  add(*f, {{"action", {{"type", "error"}, {"status", 503}}}, {"count", 1}});
  add(*f, {{"action", {{"type", "reset"}}}, {"count", 1}});
  auto r = call(*f);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503u);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "ServiceUnavailable");
  EXPECT_TRUE(call(*f)->delivery.reset);
  EXPECT_EQ(handler_runs, 0);
  auto normal = call(*f);  // both spent: the handler answers, delivered normally
  EXPECT_EQ(handler_runs, 1);
  EXPECT_EQ(normal->status, 200u);
  EXPECT_EQ(normal->delivery.delay.count(), 0);
  EXPECT_FALSE(normal->delivery.reset);
}

TEST_F(GuardTest, LatencyAndSlowBodyDeliverTheHandlersReply) {
  auto f = make();
  add(*f, {{"action", {{"type", "latency"}, {"ms", 4000}}}, {"count", 1}});
  add(*f, {{"action", {{"type", "slowBody"}, {"bytesPerSecond", 64}}}, {"count", 1}});
  auto late = call(*f);
  EXPECT_EQ(late->delivery.delay, std::chrono::milliseconds(4000));
  EXPECT_EQ(json::parse(late->body), json({{"ok", true}}));
  auto slow = call(*f);
  EXPECT_EQ(slow->delivery.body_bytes_per_second, 64u);
  EXPECT_EQ(handler_runs, 2);
  EXPECT_NE(metrics.render().find("kmslab_faults_fired_total{action=\"slowBody\"} 1"),
            std::string::npos);
}

TEST_F(GuardTest, AReplyAnswersInsteadOfTheHandler) {
  auto f = make();
  add(*f, {{"action", {{"type", "reply"}, {"body", "{\"kid\":\"x\"}"}}}, {"count", 1}});
  add(*f, {{"action",
            {{"type", "reply"},
             {"status", 502},
             {"body", "<html>bad gateway</html>"},
             {"contentType", "text/html"}}},
           {"count", 1}});
  auto partial = call(*f);
  EXPECT_EQ(partial->status, 200u);
  EXPECT_EQ(partial->body, "{\"kid\":\"x\"}");
  EXPECT_EQ(partial->content_type, "application/json; charset=utf-8");
  auto proxy = call(*f);
  EXPECT_EQ(proxy->status, 502u);
  EXPECT_EQ(proxy->body, "<html>bad gateway</html>");
  EXPECT_EQ(proxy->content_type, "text/html");
  EXPECT_EQ(handler_runs, 0);  // the operation did not run
  EXPECT_NE(metrics.render().find("kmslab_faults_fired_total{action=\"reply\"} 2"),
            std::string::npos);
  EXPECT_EQ(json::parse(call(*f)->body), json({{"ok", true}}));
}

}  // namespace
}  // namespace kmslab::faults
