// CPU-heavy routes run on the worker pool, after the group's filters, and a full pool answers
// the group's busy error at once (issue 9, "the hot path").
#include <gtest/gtest.h>

#include <deque>

#include "emulator/core/dispatcher.hpp"

namespace kmslab::core {
namespace {

/// A TaskRunner the test drives: holds tasks until run_all(), refuses when `full`.
class ManualRunner final : public TaskRunner {
 public:
  bool try_submit(Task& task) override {
    if (full) return false;
    tasks.push_back(std::move(task));
    return true;
  }
  void run_all() {
    while (!tasks.empty()) {
      Task t = std::move(tasks.front());
      tasks.pop_front();
      t();
    }
  }
  bool full = false;
  std::deque<Task> tasks;
};

class OffloadTest : public ::testing::Test {
 protected:
  OffloadTest()
      : clock(VirtualClock::Mode::kManual, *parse_rfc3339("2026-05-01T10:00:00Z")),
        rng(42),
        logger(nullptr, LogLevel::kInfo) {
    auto g = router.add_group("kv", {"*"});
    router.add_filter(g, [this](RequestContext& ctx) -> std::optional<ApiError> {
      ++filtered;
      if (ctx.query_param("deny")) return ApiError{401, "Unauthorized", "no", std::nullopt, {}};
      return std::nullopt;
    });
    router.add_decorator(
        g, [](const RequestContext&, Reply& r) { r.headers.emplace_back("x-decorated", "1"); });
    router.set_busy_error(g, ApiError{429, "Throttled", "busy", std::nullopt, {}});
    router.add(
        g, http::verb::post, "/keys/{name}/create", "create",
        [this](RequestContext& ctx) -> Result<Reply> {
          ++handled;
          return Reply::json({{"name", ctx.param("name")}, {"path", ctx.path}});
        },
        Router::Cost::kHeavy);
    router.add(g, http::verb::get, "/light", "light", [](RequestContext&) -> Result<Reply> {
      return Reply::json({{"ok", true}});
    });
    router.add(
        g, http::verb::post, "/waits", "waits",
        [this](RequestContext&) -> Result<Reply> {
          ++handled;
          return Reply::json({{"waited", true}});
        },
        Router::Cost::kWaits);
    auto plain = router.add_group("plain", {"other.host"});
    router.add(
        plain, http::verb::post, "/heavy", "plain.heavy",
        [](RequestContext&) -> Result<Reply> {
          return Reply::json({{"ok", true}});
        },
        Router::Cost::kHeavy);
    dispatcher = std::make_unique<Dispatcher>(router, clock, rng, logger, metrics);
    dispatcher->set_worker_pool(&runner);
    dispatcher->set_waiting_runner(&waiting);
  }

  static HttpRequest request(http::verb verb, const std::string& target,
                             const std::string& host = "v.vault.azure.net") {
    HttpRequest req{verb, target, 11};
    req.set(http::field::host, host);
    return req;
  }

  // Sends through handle_or_defer; a deferred answer lands in `later`.
  std::optional<HttpResponse> send(HttpRequest req) {
    auto now = dispatcher->handle_or_defer(std::move(req), conn, [this]() -> Respond {
      ++deferrals;
      return [this](Answer a) { later.push_back(std::move(a.response)); };
    });
    if (!now) return std::nullopt;
    return std::move(now->response);
  }

  static nlohmann::json body(const HttpResponse& r) { return nlohmann::json::parse(r.body()); }

  VirtualClock clock;
  SeededRng rng;
  Logger logger;
  MetricsRegistry metrics;
  Router router;
  ManualRunner runner;
  ManualRunner waiting;
  ConnectionInfo conn{"127.0.0.7", 5555, 8443, true, "", ""};
  std::unique_ptr<Dispatcher> dispatcher;
  int filtered = 0, handled = 0, deferrals = 0;
  std::vector<HttpResponse> later;
};

TEST_F(OffloadTest, HeavyRoutesAnswerLaterFromTheWorker) {
  auto now = send(request(http::verb::post, "/keys/k1/create"));
  EXPECT_FALSE(now.has_value());
  EXPECT_EQ(filtered, 1);  // the filters ran on the caller's thread
  EXPECT_EQ(handled, 0);   // the handler did not
  ASSERT_EQ(runner.tasks.size(), 1u);
  runner.run_all();
  EXPECT_EQ(handled, 1);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].result_int(), 200);
  EXPECT_EQ(body(later[0])["name"], "k1");  // the context survived the hand-over
  EXPECT_EQ(body(later[0])["path"], "/keys/k1/create");
  EXPECT_EQ(later[0]["x-decorated"], "1");
  EXPECT_EQ(later[0]["x-ms-request-id"].size(), 36u);
  EXPECT_NE(metrics.render().find("route=\"create\",method=\"POST\",code=\"200\"} 1"),
            std::string::npos);
}

// A clock advance waits for subscribers whose plugins call back in: on its own runner, not on
// the I/O thread and not behind CPU-heavy work.
TEST_F(OffloadTest, WaitingRoutesRunOnTheWaitingRunner) {
  EXPECT_FALSE(send(request(http::verb::post, "/waits")).has_value());
  EXPECT_TRUE(runner.tasks.empty());
  ASSERT_EQ(waiting.tasks.size(), 1u);
  EXPECT_EQ(handled, 0);
  waiting.run_all();
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(body(later[0])["waited"], true);
  waiting.full = true;
  auto busy = send(request(http::verb::post, "/waits"));
  ASSERT_TRUE(busy.has_value());
  EXPECT_EQ(busy->result_int(), 429);
  EXPECT_EQ(handled, 1);
}

TEST_F(OffloadTest, LightRoutesAndFilterErrorsAnswerAtOnce) {
  auto light = send(request(http::verb::get, "/light"));
  ASSERT_TRUE(light.has_value());
  EXPECT_EQ(light->result_int(), 200);
  auto denied = send(request(http::verb::post, "/keys/k1/create?deny=1"));
  ASSERT_TRUE(denied.has_value());  // refused before it could take a worker
  EXPECT_EQ(denied->result_int(), 401);
  EXPECT_EQ((*denied)["x-decorated"], "1");
  EXPECT_TRUE(runner.tasks.empty());
  EXPECT_EQ(deferrals, 0);
}

TEST_F(OffloadTest, AFullPoolAnswersTheGroupsBusyErrorAndRunsNothing) {
  runner.full = true;
  auto r = send(request(http::verb::post, "/keys/k1/create"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->result_int(), 429);
  EXPECT_EQ(body(*r)["error"]["code"], "Throttled");
  EXPECT_EQ((*r)["x-decorated"], "1");
  EXPECT_EQ(handled, 0);
  EXPECT_TRUE(later.empty());
}

TEST_F(OffloadTest, AGroupWithoutItsOwnBusyErrorGetsA503) {
  runner.full = true;
  auto r = send(request(http::verb::post, "/heavy", "other.host"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->result_int(), 503);
  EXPECT_EQ(body(*r)["error"]["code"], "ServiceUnavailable");
}

TEST_F(OffloadTest, HandleNeverDefersAndNoPoolMeansInline) {
  auto r = dispatcher->handle(request(http::verb::post, "/keys/k2/create"), conn);
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_TRUE(runner.tasks.empty());
  dispatcher->set_worker_pool(nullptr);
  auto inline_answer = send(request(http::verb::post, "/keys/k3/create"));
  ASSERT_TRUE(inline_answer.has_value());
  EXPECT_EQ(body(*inline_answer)["name"], "k3");
  EXPECT_EQ(handled, 2);
}

TEST(WorkerPool, RunsEveryTaskAndRefusesBeyondItsQueue) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  int started = 0, done = 0;
  WorkerPool pool({1, 1});
  TaskRunner::Task block = [&] {
    std::unique_lock l(mu);
    ++started;
    cv.notify_all();
    cv.wait(l, [&] { return release; });
    ++done;
  };
  ASSERT_TRUE(pool.try_submit(block));
  {
    std::unique_lock l(mu);  // the worker holds the first task
    ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(30), [&] { return started == 1; }));
  }
  TaskRunner::Task second = [&] {
    std::lock_guard l(mu);
    ++done;
  };
  ASSERT_TRUE(pool.try_submit(second));  // waits: the queue's one place
  TaskRunner::Task third = [&] {};
  EXPECT_FALSE(pool.try_submit(third));  // full: refused, left to the caller
  EXPECT_TRUE(static_cast<bool>(third));
  EXPECT_EQ(pool.queued(), 1u);
  {
    std::lock_guard l(mu);
    release = true;
  }
  cv.notify_all();
  pool.stop();  // finishes what was queued
  EXPECT_EQ(done, 2);
  TaskRunner::Task after = [] {};
  EXPECT_FALSE(pool.try_submit(after));  // stopped
}

TEST(WorkerPool, ATaskThatThrowsDoesNotStopTheWorker) {
  WorkerPool pool({1, 4});
  std::atomic<int> ran{0};
  TaskRunner::Task bad = [] { throw std::runtime_error("bug"); };
  TaskRunner::Task good = [&] { ++ran; };
  ASSERT_TRUE(pool.try_submit(bad));
  ASSERT_TRUE(pool.try_submit(good));
  pool.stop();
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace kmslab::core
