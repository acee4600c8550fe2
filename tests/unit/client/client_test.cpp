// The shared HTTPS client against the emulator's own HTTPS server and CONNECT proxy, in process.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <deque>
#include <set>
#include <thread>

#include "emulator/core/client/http_client.hpp"
#include "emulator/core/server.hpp"
#include "emulator/core/tls/ca.hpp"
#include "emulator/core/tls/server_tls.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::core::client {
namespace {

namespace net = boost::asio;

// Answers from a script (then 200 "ok"), recording what each request looked like on arrival.
class ScriptedSink final : public RequestSink {
 public:
  struct Seen {
    std::string target, peer, tunnel, body;
  };
  HttpResponse handle(HttpRequest&& request, const ConnectionInfo& info) override {
    std::lock_guard lock(mu_);
    seen_.push_back(
        {std::string(request.target()), info.peer_address, info.tunnel_target, request.body()});
    HttpResponse response{http::status::ok, request.version()};
    response.body() = "ok";
    if (!script_.empty()) {
      auto [status, retry_after] = script_.front();
      script_.pop_front();
      response.result(status);
      if (!retry_after.empty()) response.set("Retry-After", retry_after);
      response.body() = "{\"error\":{\"code\":\"Throttled\"}}";
    }
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    return response;
  }
  HttpResponse reject(const ApiError&, unsigned version, const ConnectionInfo&) override {
    return HttpResponse{http::status::bad_request, version};
  }
  void push(unsigned status, std::string retry_after = {}) {
    std::lock_guard lock(mu_);
    script_.emplace_back(status, std::move(retry_after));
  }
  std::vector<Seen> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  std::deque<std::pair<unsigned, std::string>> script_;
  std::vector<Seen> seen_;
};

class ClientTest : public ::testing::Test {
 protected:
  ClientTest()
      : ca_(tls::CertificateAuthority::load_or_create(dir_.path(), wall_clock_now())),
        tls_(ca_, {"localhost", "127.0.0.1"}, wall_clock_now),
        server_(ioc_, sink_, &tls_.context(), options(), metrics_) {
    https_port_ = server_.listen("127.0.0.1", 0, HttpServer::Kind::kHttps);
    proxy_port_ = server_.listen("127.0.0.1", 0, HttpServer::Kind::kProxy);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~ClientTest() override {
    server_.shutdown();
    ioc_.stop();
    thread_.join();
  }
  static ServerOptions options() {
    ServerOptions o;
    o.proxy_allow = {"localhost"};
    return o;
  }
  ClientOptions trusting() {
    ClientOptions o;
    o.ca_pem = ca_.cert_pem();
    o.retry.base_delay = std::chrono::milliseconds(100);
    o.retry.max_delay = std::chrono::milliseconds(1000);
    return o;
  }
  std::unique_ptr<HttpClient> client(ClientOptions o) {
    return std::make_unique<HttpClient>(std::move(o), clock_, rng_,
                                        [this](std::chrono::milliseconds d) {
                                          std::lock_guard lock(sleep_mu_);
                                          sleeps_.push_back(d);
                                        });
  }
  std::string url(const std::string& path, const std::string& host = "localhost") const {
    return "https://" + host + ":" + std::to_string(https_port_) + path;
  }

  testing::TempDir dir_;
  tls::CertificateAuthority ca_;
  tls::ServerTls tls_;
  net::io_context ioc_;
  ScriptedSink sink_;
  MetricsRegistry metrics_;
  HttpServer server_;
  uint16_t https_port_ = 0, proxy_port_ = 0;
  std::thread thread_;
  VirtualClock clock_{VirtualClock::Mode::kManual,
                      std::chrono::system_clock::from_time_t(1'800'000'000)};
  SeededRng rng_{7};
  std::mutex sleep_mu_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

TEST_F(ClientTest, RoundTripVerifiesTheServerAndReusesTheConnection) {
  auto c = client(trusting());
  for (int i = 0; i < 3; ++i) {
    Response r = c->send({"POST",
                          url("/keys/k/encrypt?api-version=7.4"),
                          {{"Content-Type", "application/json"}},
                          "{}"});
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, "ok");
    EXPECT_EQ(r.attempts, 1);
  }
  EXPECT_EQ(c->stats().connections_opened, 1u);
  ASSERT_EQ(sink_.seen().size(), 3u);
  EXPECT_EQ(sink_.seen()[0].target, "/keys/k/encrypt?api-version=7.4");
  EXPECT_EQ(sink_.seen()[0].body, "{}");
}

TEST_F(ClientTest, VerifiesIpLiteralHosts) {
  auto c = client(trusting());
  EXPECT_EQ(c->send({"GET", url("/", "127.0.0.1")}).status, 200u);
}

TEST_F(ClientTest, UntrustedServerIsAFinalError) {
  auto o = trusting();
  o.ca_pem.clear();
  o.ca_bundle_file = "/dev/null/none";
  EXPECT_THROW(client(o), std::invalid_argument);
  testing::TempDir other;
  auto stranger = tls::CertificateAuthority::load_or_create(other.path(), wall_clock_now());
  o = trusting();
  o.ca_pem = stranger.cert_pem();
  auto c = client(o);
  try {
    c->send({"GET", url("/")});
    FAIL() << "an unknown CA must be refused";
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.transient()) << e.what();
    EXPECT_EQ(e.attempts(), 1);
    EXPECT_NE(std::string(e.what()).find("tls handshake"), std::string::npos) << e.what();
  }
}

TEST_F(ClientTest, RetriesThrottlingAndServerErrorsWithBackoff) {
  sink_.push(503);
  sink_.push(500);
  auto c = client(trusting());
  Response r = c->send({"GET", url("/")});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.attempts, 3);
  ASSERT_EQ(sleeps_.size(), 2u);
  // base 100 ms then 200 ms, each scaled by jitter in [0.8, 1.2).
  EXPECT_GE(sleeps_[0].count(), 80);
  EXPECT_LT(sleeps_[0].count(), 120);
  EXPECT_GE(sleeps_[1].count(), 160);
  EXPECT_LT(sleeps_[1].count(), 240);
}

TEST_F(ClientTest, HonoursRetryAfter) {
  sink_.push(429, "3");
  auto c = client(trusting());
  EXPECT_EQ(c->send({"GET", url("/")}).status, 200u);
  ASSERT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(sleeps_[0], std::chrono::milliseconds(3000));
}

TEST_F(ClientTest, GivesUpAfterMaxAttemptsWithTheLastAnswer) {
  for (int i = 0; i < 5; ++i) sink_.push(503);
  auto o = trusting();
  o.retry.max_attempts = 3;
  Response r = client(o)->send({"GET", url("/")});
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.attempts, 3);
}

TEST_F(ClientTest, DoesNotRetryWhatCannotSucceed) {
  for (unsigned status : {401u, 403u, 404u, 400u}) {
    sink_.push(status);
    Response r = client(trusting())->send({"GET", url("/")});
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.attempts, 1);
  }
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(ClientTest, NoWaitPastTheDeadline) {
  sink_.push(429, "60");
  auto c = client(trusting());
  Request req{"GET", url("/")};
  req.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  Response r = c->send(req);
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(ClientTest, RefusedConnectionIsTransientAndRetried) {
  net::io_context ioc;
  net::ip::tcp::acceptor probe(ioc, {net::ip::make_address("127.0.0.1"), 0});
  const auto port = probe.local_endpoint().port();
  probe.close();  // nothing listens there now
  auto c = client(trusting());
  try {
    c->send({"GET", "https://127.0.0.1:" + std::to_string(port) + "/"});
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_TRUE(e.transient());
    EXPECT_EQ(e.attempts(), 4);
    EXPECT_NE(std::string(e.what()).find("dial tcp 127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(sleeps_.size(), 3u);
}

TEST_F(ClientTest, ReadTimeoutOnASilentServer) {
  net::io_context ioc;
  net::ip::tcp::acceptor silent(ioc, {net::ip::make_address("127.0.0.1"), 0});
  std::thread accept([&] {
    boost::system::error_code ec;
    net::ip::tcp::socket s(ioc);
    silent.accept(s, ec);
    char b[4096];
    // Reads the request and never answers; ends when the client gives up and closes.
    for (int i = 0; i < 1000 && !ec; ++i) s.read_some(net::buffer(b), ec);
  });
  auto o = trusting();
  o.read_timeout = std::chrono::milliseconds(200);
  o.retry.max_attempts = 1;
  try {
    client(o)->send(
        {"GET", "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/"});
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_TRUE(e.transient());
    EXPECT_NE(std::string(e.what()).find("i/o timeout"), std::string::npos) << e.what();
  }
  accept.join();
}

TEST_F(ClientTest, TunnelsThroughTheConnectProxy) {
  auto o = trusting();
  o.proxy = "http://127.0.0.1:" + std::to_string(proxy_port_);
  auto c = client(o);
  // The proxy ends the tunnel in the emulator itself, so any port behind "localhost" answers.
  EXPECT_EQ(c->send({"GET", "https://localhost:443/x"}).status, 200u);
  EXPECT_EQ(c->send({"GET", "https://localhost:443/y"}).status, 200u);
  EXPECT_EQ(c->stats().connections_opened, 1u);
  ASSERT_EQ(sink_.seen().size(), 2u);
  EXPECT_EQ(sink_.seen()[0].tunnel, "localhost:443");
}

TEST_F(ClientTest, ProxyRefusalIsReported) {
  auto o = trusting();
  o.proxy = "http://127.0.0.1:" + std::to_string(proxy_port_);
  try {
    client(o)->send({"GET", "https://example.com/"});
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.transient());
    EXPECT_NE(std::string(e.what()).find("proxy refused CONNECT example.com:443: 403"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(ClientTest, BindsTheSourceAddressDirectAndThroughTheProxy) {
  auto o = trusting();
  o.source_address = "127.0.0.3";
  EXPECT_EQ(client(o)->send({"GET", url("/")}).status, 200u);
  o.proxy = "http://127.0.0.1:" + std::to_string(proxy_port_);
  EXPECT_EQ(client(o)->send({"GET", "https://localhost/"}).status, 200u);
  auto seen = sink_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].peer, "127.0.0.3");
  EXPECT_EQ(seen[1].peer, "127.0.0.3");
  o.source_address = "not-an-ip";
  EXPECT_THROW(client(o), std::invalid_argument);
}

TEST_F(ClientTest, InvalidUrlsAreFinal) {
  auto c = client(trusting());
  for (const char* bad :
       {"", "ftp://x/", "https://", "https://a:99999/", "https://u@h/", "https://h/#f"}) {
    try {
      c->send({"GET", bad});
      FAIL() << bad;
    } catch (const TransportError& e) {
      EXPECT_FALSE(e.transient());
      EXPECT_EQ(e.attempts(), 0);
    }
  }
}

TEST(Url, PercentEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b&c=d/e+f%"), "a%20b%26c%3Dd%2Fe%2Bf%25");
  EXPECT_EQ(percent_encode(std::string("\x00\xff", 2)), "%00%FF");
  EXPECT_EQ(percent_encode("https://vault.azure.net/.default"),
            "https%3A%2F%2Fvault.azure.net%2F.default");
}

TEST(Url, Parses) {
  auto u = parse_url("https://v.vault.azure.net/keys/k?api-version=7.4");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->host_header(), "v.vault.azure.net");
  EXPECT_EQ(u->target, "/keys/k?api-version=7.4");
  u = parse_url("http://169.254.169.254/metadata/identity/oauth2/token");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->authority(), "169.254.169.254:80");
  u = parse_url("https://[::1]:8443?x=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->host_header(), "[::1]:8443");
  EXPECT_EQ(u->target, "/?x=1");
  for (const char* bad :
       {"https://a:/", "https://[::1/", "https://a b/", "https://a:0/", "https://a:1x/"}) {
    EXPECT_FALSE(parse_url(bad)) << bad;
  }
}

TEST(Retry, RetryAfterForms) {
  const TimePoint now =
      std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parse_retry_after("5", now), std::chrono::milliseconds(5000));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            std::chrono::milliseconds(10000));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now), std::chrono::milliseconds(0));
  for (const char* bad :
       {"", "-1", "5s", "soon", "Sun, 06 Nov 1994 08:49:47 UTC", "99999999999999999999"}) {
    EXPECT_FALSE(parse_retry_after(bad, now)) << bad;
  }
  EXPECT_TRUE(retryable_status(429));
  EXPECT_TRUE(retryable_status(503));
  EXPECT_FALSE(retryable_status(501));
  EXPECT_FALSE(retryable_status(403));
}

TEST(Retry, BackoffIsCappedAndJittered) {
  SeededRng rng(1);
  RetryPolicy p;
  p.base_delay = std::chrono::milliseconds(1000);
  p.max_delay = std::chrono::milliseconds(5000);
  EXPECT_LT(backoff_delay(p, 30, rng).count(), 6000);
  EXPECT_GE(backoff_delay(p, 30, rng).count(), 4000);
  std::set<int64_t> distinct;
  for (int i = 0; i < 20; ++i) distinct.insert(backoff_delay(p, 1, rng).count());
  EXPECT_GT(distinct.size(), 1u);
}

}  // namespace
}  // namespace kmslab::core::client
