// The request timeout in front of kmslab-apiserver's routes (request_timeout.hpp): a handler
// held on a latch cannot end before its deadline, so the 504 comes first without any timing
// assumption; the handler's late result is discarded; watches, /_kmslab routes and fast handlers
// pass as before. --request-timeout as kube-apiserver reads it.
#include "emulator/apiserver/app/request_timeout.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <thread>

#include "emulator/apiserver/app/config.hpp"
#include "emulator/apiserver/k8s/request_deadline.hpp"
#include "emulator/apiserver/k8s/status.hpp"
#include "tests/unit/apiserver/app/flag_args.hpp"

namespace kmslab::apiserver::app {
namespace {

using namespace std::chrono_literals;
namespace http = boost::beast::http;

// A handler that waits until released (at most 20 s, so a broken test cannot hang).
struct Latch {
  void release() {
    std::lock_guard l(mu);
    open = true;
    cv.notify_all();
  }
  void wait() {
    std::unique_lock l(mu);
    cv.wait_for(l, 20s, [this] { return open; });
  }
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
};

struct Answers {
  core::Respond respond() {
    return [this](core::Answer a) {
      std::lock_guard l(mu);
      got.push_back(std::move(a.response));
      cv.notify_all();
    };
  }
  // Polls with a deadline for `n` answers.
  bool wait_for(size_t n) {
    std::unique_lock l(mu);
    return cv.wait_for(l, 20s, [&] { return got.size() >= n; });
  }
  size_t count() {
    std::lock_guard l(mu);
    return got.size();
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<core::HttpResponse> got;
};

// Runs each task on a thread of its own (joined by join()), refuses all while `full`, and
// keeps them unstarted (queued) while `queue` until start().
class ThreadRunner final : public core::TaskRunner {
 public:
  bool try_submit(Task& task) override {
    if (full) return false;
    if (queue) {
      queued_.push_back(std::move(task));
    } else {
      threads_.emplace_back(std::move(task));
    }
    return true;
  }
  void start() {
    for (auto& task : queued_) threads_.emplace_back(std::move(task));
    queued_.clear();
  }
  void join() {
    start();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  bool full = false;
  bool queue = false;

 private:
  std::vector<Task> queued_;
  std::vector<std::thread> threads_;
};

class RequestTimeoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto group = router.add_group("k8s", {"*"});
    auto slow = [this](core::RequestContext&) -> core::Result<core::Reply> {
      latch.wait();
      ++ran;
      return core::Reply::json({{"kind", "Secret"}});
    };
    router.add(group, http::verb::get, "/api/v1/namespaces/{ns}/secrets/{name}", "k8s.get", slow);
    router.add(group, http::verb::get, "/api/v1/namespaces/{ns}/secrets", "k8s.list",
               [this](core::RequestContext&) -> core::Result<core::Reply> {
                 ++ran;
                 return core::Reply::json({{"kind", "SecretList"}});
               });
    router.add(
        group, http::verb::get, "/_kmslab/raw", "kmslab.raw",
        [](core::RequestContext&) -> core::Result<core::Reply> { return core::Reply::json({}); });
    dispatcher = std::make_unique<core::Dispatcher>(router, clock, rng, logger, metrics,
                                                    k8s::status_from_api_error);
    io_thread = std::thread([this] { ioc.run(); });
  }
  void TearDown() override {
    latch.release();
    pool.join();  // what the handlers still do ends here
    work.reset();
    io_thread.join();
    made.reset();
  }

  // Owned here, so that it outlives the handlers and timers TearDown waits for.
  RequestTimeoutSink* sink(core::Duration timeout) {
    made = std::make_unique<RequestTimeoutSink>(*dispatcher, pool, ioc.get_executor(), timeout);
    return made.get();
  }
  std::optional<core::Answer> send(RequestTimeoutSink& s, const std::string& target) {
    core::HttpRequest req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    return s.handle_or_defer(std::move(req), conn, [this] { return answers.respond(); });
  }

  core::VirtualClock clock{core::VirtualClock::Mode::kManual};
  core::SeededRng rng{42};
  core::Logger logger{nullptr, core::LogLevel::kError};
  core::MetricsRegistry metrics;
  core::Router router;
  core::ConnectionInfo conn{"127.0.0.1", 5555, 6443, true, "", ""};
  std::unique_ptr<core::Dispatcher> dispatcher;
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_guard{
      ioc.get_executor()};
  std::optional<decltype(work_guard)> work{std::move(work_guard)};
  std::thread io_thread;
  ThreadRunner pool;
  std::unique_ptr<RequestTimeoutSink> made;
  Latch latch;
  std::atomic<int> ran{0};
  Answers answers;
};

TEST_F(RequestTimeoutTest, TheDeadlineAnswersWhileTheHandlerWorksAndItsResultIsDiscarded) {
  auto s = sink(1h);
  EXPECT_FALSE(send(*s, "/api/v1/namespaces/default/secrets/s1?timeout=1ms"));
  ASSERT_TRUE(answers.wait_for(1));
  EXPECT_EQ(ran, 0);  // still held: the 504 came first
  EXPECT_EQ(answers.got[0].result_int(), 504);
  EXPECT_EQ(answers.got[0].body(), k8s::timeout_reply().body);
  EXPECT_EQ(answers.got[0][http::field::content_type], "text/plain; charset=utf-8");
  latch.release();
  pool.join();                     // the handler ends (if it had started before the deadline)
  EXPECT_EQ(answers.count(), 1u);  // and its 200 went nowhere
}

TEST_F(RequestTimeoutTest, ARequestThatTimedOutQueuedIsNotRun) {
  auto s = sink(1h);
  pool.queue = true;
  latch.release();
  EXPECT_FALSE(send(*s, "/api/v1/namespaces/default/secrets/s1?timeout=1ms"));
  ASSERT_TRUE(answers.wait_for(1));
  EXPECT_EQ(answers.got[0].result_int(), 504);
  pool.join();
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(answers.count(), 1u);
}

TEST_F(RequestTimeoutTest, AFastHandlerAnswersItself) {
  auto s = sink(1h);
  EXPECT_FALSE(send(*s, "/api/v1/namespaces/default/secrets?timeout=30s"));
  ASSERT_TRUE(answers.wait_for(1));
  EXPECT_EQ(answers.got[0].result_int(), 200);
  EXPECT_EQ(nlohmann::json::parse(answers.got[0].body())["kind"], "SecretList");
}

TEST_F(RequestTimeoutTest, ABadTimeoutIsRefusedBeforeTheHandler) {
  auto s = sink(1h);
  auto now = send(*s, "/api/v1/namespaces/default/secrets?timeout=abc");
  ASSERT_TRUE(now);
  EXPECT_EQ(now->response.result_int(), 400);
  EXPECT_EQ(nlohmann::json::parse(now->response.body())["message"],
            "invalid timeout specified in the request URL - time: invalid duration \"abc\"");
  EXPECT_EQ(ran, 0);
}

TEST_F(RequestTimeoutTest, ZeroEndsEveryRequestButWatchesAndKmslabRoutes) {
  auto s = sink(0s);
  auto now = send(*s, "/api/v1/namespaces/default/secrets");
  ASSERT_TRUE(now);
  EXPECT_EQ(now->response.result_int(), 504);
  EXPECT_EQ(ran, 0);  // the deadline had passed: the handler never starts
  // A watch (here the list route, as the router sees it) and /_kmslab/ run as before, at once.
  now = send(*s, "/api/v1/namespaces/default/secrets?watch=true");
  ASSERT_TRUE(now);
  EXPECT_EQ(now->response.result_int(), 200);
  now = send(*s, "/_kmslab/raw?key=k");
  ASSERT_TRUE(now);
  EXPECT_EQ(now->response.result_int(), 200);
  EXPECT_EQ(answers.count(), 0u);
}

TEST_F(RequestTimeoutTest, NoFreeHandlerIsPriorityAndFairnesss429) {
  auto s = sink(1h);
  pool.full = true;
  auto now = send(*s, "/api/v1/namespaces/default/secrets/s2");
  ASSERT_TRUE(now);
  EXPECT_EQ(now->response.result_int(), 429);
  EXPECT_EQ(now->response["Retry-After"], "1");
  EXPECT_EQ(now->response.body(), "Too many requests, please try again later.\n");
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(answers.count(), 0u);
}

using testing::parse_error;

core::Duration flag(std::vector<std::string> args) {
  return testing::parsed(std::move(args)).request_timeout;
}

TEST(RequestTimeoutFlagTest, KubeApiserversDefaultSyntaxAndRefusals) {
  EXPECT_EQ(flag({}), 60s);
  EXPECT_EQ(flag({"--request-timeout=1m30s"}), 90s);
  EXPECT_EQ(flag({"--request-timeout", "500ms"}), 500ms);
  EXPECT_EQ(flag({"--request-timeout=0"}), 0s);
  EXPECT_EQ(parse_error({"--request-timeout=-1s"}), "--request-timeout can not be negative value");
  EXPECT_EQ(parse_error({"--request-timeout=60"}),
            "invalid argument \"60\" for \"--request-timeout\" flag: time: missing unit in "
            "duration \"60\"");
}

}  // namespace
}  // namespace kmslab::apiserver::app
