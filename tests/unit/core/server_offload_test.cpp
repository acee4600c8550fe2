// Through the real transport: while a CPU-heavy request holds the worker, the only I/O thread
// still answers other requests (issue 9: a health check must not wait for RSA key generation).
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <thread>

#include "emulator/core/dispatcher.hpp"
#include "emulator/core/server.hpp"

namespace kmslab::core {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;

/// One HTTP/1.1 connection to the server under test; every read has a deadline.
class Client {
 public:
  explicit Client(uint16_t port) : stream_(ioc_) {
    stream_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }
  void send(http::verb verb, const std::string& target) {
    HttpRequest req{verb, target, 11};
    req.set(http::field::host, "localhost");
    req.prepare_payload();
    http::write(stream_, req);
  }
  /// The answer's status, or 0 when none came within `limit`.
  unsigned read(std::chrono::seconds limit) {
    unsigned status = 0;
    beast::flat_buffer buffer;
    HttpResponse res;
    stream_.expires_after(limit);
    http::async_read(stream_, buffer, res, [&](beast::error_code ec, size_t) {
      if (!ec) status = res.result_int();
    });
    ioc_.restart();
    ioc_.run();
    return status;
  }

 private:
  net::io_context ioc_;
  beast::tcp_stream stream_;
};

class ServerOffloadTest : public ::testing::Test {
 protected:
  ServerOffloadTest()
      : clock(VirtualClock::Mode::kManual, *parse_rfc3339("2026-05-01T10:00:00Z")),
        rng(1),
        logger(nullptr, LogLevel::kError),
        pool({1, 4}) {
    auto g = router.add_group("test", {"*"});
    router.add(
        g, http::verb::post, "/heavy", "heavy",
        [this](RequestContext&) -> Result<Reply> {
          std::unique_lock l(mu);
          started = true;
          cv.notify_all();
          // Bounded: a broken test must not hang the suite.
          cv.wait_for(l, std::chrono::seconds(60), [this] { return released; });
          return Reply::json({{"heavy", true}});
        },
        Router::Cost::kHeavy);
    router.add(g, http::verb::get, "/light", "light", [](RequestContext&) -> Result<Reply> {
      return Reply::json({{"ok", true}});
    });
    dispatcher = std::make_unique<Dispatcher>(router, clock, rng, logger, metrics);
    dispatcher->set_worker_pool(&pool);
    server = std::make_unique<HttpServer>(ioc, *dispatcher, nullptr, ServerOptions{}, metrics);
    port = server->listen("127.0.0.1", 0, HttpServer::Kind::kHttp);
    io_thread = std::thread([this] { ioc.run(); });  // one I/O thread only
  }
  ~ServerOffloadTest() override {
    release();
    server->shutdown();
    pool.stop();
    ioc.stop();
    io_thread.join();
  }
  void release() {
    std::lock_guard l(mu);
    released = true;
    cv.notify_all();
  }

  VirtualClock clock;
  SeededRng rng;
  Logger logger;
  MetricsRegistry metrics;
  Router router;
  WorkerPool pool;
  std::unique_ptr<Dispatcher> dispatcher;
  net::io_context ioc;
  std::unique_ptr<HttpServer> server;
  uint16_t port = 0;
  std::thread io_thread;
  std::mutex mu;
  std::condition_variable cv;
  bool started = false, released = false;
};

TEST_F(ServerOffloadTest, TheIoThreadAnswersWhileTheWorkerIsBusy) {
  Client heavy(port);
  heavy.send(http::verb::post, "/heavy");
  {
    std::unique_lock l(mu);
    ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(30), [this] { return started; }));
  }
  // The heavy handler is running and will not return until released: were it on the I/O
  // thread, this read would get nothing before its deadline.
  Client light(port);
  light.send(http::verb::get, "/light");
  EXPECT_EQ(light.read(std::chrono::seconds(10)), 200u);
  release();
  EXPECT_EQ(heavy.read(std::chrono::seconds(30)), 200u);
}

TEST_F(ServerOffloadTest, KeepAliveGoesOnAfterADeferredAnswer) {
  release();
  Client c(port);
  c.send(http::verb::post, "/heavy");
  EXPECT_EQ(c.read(std::chrono::seconds(30)), 200u);
  c.send(http::verb::get, "/light");
  EXPECT_EQ(c.read(std::chrono::seconds(30)), 200u);
}

}  // namespace
}  // namespace kmslab::core
