// StreamBody alone, and through the real transport: chunks written after the response began
// reach the client as they come, finish() ends the body, a slow reader is cut off, and the
// server's graceful stop ends a stream cleanly.
#include "emulator/core/stream_body.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "emulator/core/dispatcher.hpp"
#include "emulator/core/server.hpp"

namespace kmslab::core {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;

TEST(StreamBodyTest, QueuesUntilDrainedAndFinishes) {
  StreamBody body(100);
  int wakes = 0;
  body.set_waker([&] { ++wakes; });
  EXPECT_TRUE(body.write("ab"));
  EXPECT_TRUE(body.write("cd"));
  auto d = body.drain();
  EXPECT_EQ(d.data, "abcd");
  EXPECT_FALSE(d.finished);
  body.finish();
  EXPECT_FALSE(body.write("late"));
  d = body.drain();
  EXPECT_TRUE(d.data.empty());
  EXPECT_TRUE(d.finished);
  EXPECT_EQ(wakes, 3);
}

TEST(StreamBodyTest, OverflowCutsTheStreamOff) {
  StreamBody body(5);
  EXPECT_TRUE(body.write("abc"));
  EXPECT_FALSE(body.write("def"));  // 6 bytes would be buffered
  EXPECT_FALSE(body.write("g"));
  EXPECT_TRUE(body.drain().aborted);
}

TEST(StreamBodyTest, TransportEndCallsOnEndOnce) {
  StreamBody body(10);
  int ends = 0;
  body.on_end([&] { ++ends; });
  body.stop();
  body.abort();
  EXPECT_EQ(ends, 1);
  EXPECT_FALSE(body.write("x"));
  StreamBody late(10);
  late.stop();
  late.on_end([&] { ++ends; });  // registered after the end: called at once
  EXPECT_EQ(ends, 2);
}

/// A client that reads a chunked response piece by piece, each read with a deadline.
class ChunkReader {
 public:
  explicit ChunkReader(uint16_t port) : stream_(ioc_) {
    stream_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    HttpRequest req{http::verb::get, "/stream", 11};
    req.set(http::field::host, "localhost");
    http::write(stream_, req);
    parser_.on_chunk_body(on_chunk_);  // the parser keeps a reference
  }
  /// Reads until `received` holds `want`, the body ends, or `limit` passes.
  std::string read_until(const std::string& want, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (received_.find(want) == std::string::npos && !done_ &&
           std::chrono::steady_clock::now() < deadline) {
      read_some(deadline);
    }
    return received_;
  }
  /// True when the body ended with its terminating chunk within `limit`.
  bool ends_cleanly(std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done_ && std::chrono::steady_clock::now() < deadline) read_some(deadline);
    return done_ && !failed_ && parser_.is_done();
  }
  bool failed() const { return failed_; }
  void close() { stream_.close(); }
  unsigned status() const { return parser_.get().result_int(); }
  std::string header(http::field f) const { return std::string(parser_.get()[f]); }

 private:
  void read_some(std::chrono::steady_clock::time_point deadline) {
    stream_.expires_at(deadline);
    http::async_read_some(stream_, buffer_, parser_, [this](beast::error_code ec, size_t) {
      if (ec || parser_.is_done()) done_ = true;
      if (ec) failed_ = true;
    });
    ioc_.restart();
    ioc_.run_one();
    ioc_.run();
  }

  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::response_parser<http::empty_body> parser_;
  std::string received_;
  std::function<size_t(std::uint64_t, std::string_view, beast::error_code&)> on_chunk_ =
      [this](std::uint64_t, std::string_view data, beast::error_code&) {
        received_ += data;
        return data.size();
      };
  bool done_ = false;
  bool failed_ = false;
};

class StreamServerTest : public ::testing::Test {
 protected:
  StreamServerTest()
      : clock(VirtualClock::Mode::kManual, *parse_rfc3339("2026-05-01T10:00:00Z")),
        rng(1),
        logger(nullptr, LogLevel::kError) {
    auto g = router.add_group("test", {"*"});
    router.add(g, http::verb::get, "/stream", "stream", [this](RequestContext&) -> Result<Reply> {
      Reply r{200, {}, "application/json", {}};
      auto body = std::make_shared<StreamBody>(64 * 1024);
      body->on_end([this] { ended = true; });
      body->write("first\n");
      {
        std::lock_guard l(mu);
        current = body;
      }
      r.delivery.stream = body;
      return r;
    });
    dispatcher = std::make_unique<Dispatcher>(router, clock, rng, logger, metrics);
    server = std::make_unique<HttpServer>(ioc, *dispatcher, nullptr, ServerOptions{}, metrics);
    port = server->listen("127.0.0.1", 0, HttpServer::Kind::kHttp);
    io_thread = std::thread([this] { ioc.run(); });
  }
  ~StreamServerTest() override {
    server->shutdown();
    stop_when_idle(ioc, {server.get()}, std::chrono::steady_clock::now() + std::chrono::seconds(5));
    io_thread.join();
  }
  /// on_end ran (polled with a deadline) and the producer's writes now fail.
  void expect_producer_released() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!ended && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    EXPECT_TRUE(ended);
    EXPECT_FALSE(body()->write("after"));
  }
  std::shared_ptr<StreamBody> body() {
    // Bounded: the handler runs when the request arrives, which the first read waited for.
    std::lock_guard l(mu);
    return current;
  }

  VirtualClock clock;
  SeededRng rng;
  Logger logger;
  MetricsRegistry metrics;
  Router router;
  std::unique_ptr<Dispatcher> dispatcher;
  net::io_context ioc;
  std::unique_ptr<HttpServer> server;
  uint16_t port = 0;
  std::thread io_thread;
  std::mutex mu;
  std::shared_ptr<StreamBody> current;
  std::atomic<bool> ended{false};
};

TEST_F(StreamServerTest, ChunksArriveAsWrittenAndFinishEndsTheBody) {
  ChunkReader reader(port);
  EXPECT_EQ(reader.read_until("first\n", std::chrono::seconds(10)), "first\n");
  EXPECT_EQ(reader.status(), 200u);
  EXPECT_EQ(reader.header(http::field::transfer_encoding), "chunked");
  EXPECT_TRUE(reader.header(http::field::content_length).empty());
  ASSERT_TRUE(body()->write("second\n"));
  EXPECT_EQ(reader.read_until("second\n", std::chrono::seconds(10)), "first\nsecond\n");
  body()->finish();
  EXPECT_TRUE(reader.ends_cleanly(std::chrono::seconds(10)));
}

TEST_F(StreamServerTest, GracefulStopEndsTheStreamAndReleasesTheProducer) {
  ChunkReader reader(port);
  reader.read_until("first\n", std::chrono::seconds(10));
  server->shutdown();
  EXPECT_TRUE(reader.ends_cleanly(std::chrono::seconds(10)));
  expect_producer_released();
}

TEST_F(StreamServerTest, AClientThatLeavesReleasesTheProducerAtOnce) {
  ChunkReader reader(port);
  reader.read_until("first\n", std::chrono::seconds(10));
  reader.close();  // no write follows: only the server's read can notice
  expect_producer_released();
}

TEST_F(StreamServerTest, AReaderThatFallsBehindIsCutOff) {
  ChunkReader reader(port);
  reader.read_until("first\n", std::chrono::seconds(10));
  // The buffer holds 64 KiB; the reader is not reading, but the transport drains into the
  // socket until its buffers fill, then the backlog grows to the bound (bounded loop).
  bool refused = false;
  const std::string piece(16 * 1024, 'x');
  for (int i = 0; i < 20000 && !refused; ++i) refused = !body()->write(piece);
  EXPECT_TRUE(refused);
  EXPECT_FALSE(reader.ends_cleanly(std::chrono::seconds(10)));
}

}  // namespace
}  // namespace kmslab::core
