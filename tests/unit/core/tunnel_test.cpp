// The CONNECT proxy's passthrough tunnels (TunnelRoutes): a routed name reaches its TCP endpoint
// byte for byte, bytes sent right after the CONNECT included; other names are refused as before;
// a routed endpoint that is down is a 502; a removed route is refused again.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "emulator/core/server.hpp"
#include "emulator/core/tunnel_routes.hpp"

namespace kmslab::core {
namespace {

namespace net = boost::asio;
using net::ip::tcp;

class OkSink final : public RequestSink {
 public:
  HttpResponse handle(HttpRequest&& request, const ConnectionInfo&) override {
    HttpResponse r{http::status::ok, request.version()};
    r.body() = "served by the proxy's own process";
    r.prepare_payload();
    return r;
  }
  HttpResponse reject(const ApiError&, unsigned version, const ConnectionInfo&) override {
    return HttpResponse{http::status::bad_request, version};
  }
};

// A one-connection-at-a-time echo server on loopback.
class Echo {
 public:
  Echo() : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] {
      for (;;) {
        boost::system::error_code ec;
        tcp::socket s = acceptor_.accept(ec);
        if (ec) return;
        char buf[4096];
        for (;;) {
          const size_t n = s.read_some(net::buffer(buf), ec);
          if (ec) break;
          net::write(s, net::buffer(buf, n), ec);
        }
      }
    });
  }
  ~Echo() {
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocking accept() on Linux
    thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
};

class TunnelTest : public ::testing::Test {
 protected:
  TunnelTest() : server_(ioc_, sink_, nullptr, options(), metrics_) {
    proxy_port_ = server_.listen("127.0.0.1", 0, HttpServer::Kind::kProxy);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TunnelTest() override {
    server_.shutdown();
    ioc_.stop();
    thread_.join();
  }
  ServerOptions options() {
    ServerOptions o;
    o.proxy_allow = {"localhost"};
    o.tunnel_routes = &routes_;
    return o;
  }
  // Sends CONNECT (and `early` right behind it); returns the proxy's status line.
  std::string connect(tcp::socket& s, const std::string& target, const std::string& early = "") {
    head_.consume(head_.size());  // what an earlier connection left
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), proxy_port_));
    net::write(
        s, net::buffer("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n" + early));
    boost::system::error_code ec;
    net::read_until(s, head_, "\r\n\r\n", ec);
    std::string all(net::buffers_begin(head_.data()), net::buffers_end(head_.data()));
    const auto end = all.find("\r\n\r\n");
    head_.consume(end == std::string::npos ? all.size() : end + 4);
    return all.substr(0, all.find("\r\n"));
  }
  std::string read_exactly(tcp::socket& s, size_t n) {
    std::string out(net::buffers_begin(head_.data()), net::buffers_end(head_.data()));
    head_.consume(head_.size());
    if (out.size() < n) {
      std::string more(n - out.size(), '\0');
      net::read(s, net::buffer(more));
      out += more;
    }
    return out;
  }

  TunnelRoutes routes_;
  net::io_context ioc_, client_ioc_;
  OkSink sink_;
  MetricsRegistry metrics_;
  HttpServer server_;
  uint16_t proxy_port_ = 0;
  std::thread thread_;
  net::streambuf head_;
};

TEST_F(TunnelTest, RoutedNameIsPassedThrough) {
  Echo echo;
  routes_.set("Kms1-abc.hcp.eastus.azmk8s.io.", 443, {"127.0.0.1", echo.port()});
  tcp::socket s(client_ioc_);
  EXPECT_EQ(connect(s, "kms1-abc.hcp.eastus.AZMK8S.io:443", "early"),
            "HTTP/1.1 200 Connection Established");
  EXPECT_EQ(read_exactly(s, 5), "early");
  net::write(s, net::buffer(std::string("more bytes")));
  EXPECT_EQ(read_exactly(s, 10), "more bytes");
  s.shutdown(tcp::socket::shutdown_send);  // the echo sees EOF, closes; the tunnel ends
  boost::system::error_code ec;
  char c;
  EXPECT_EQ(s.read_some(net::buffer(&c, 1), ec), 0u);
  EXPECT_EQ(ec, net::error::eof);
}

TEST_F(TunnelTest, OtherNamesAndPortsAreRefused) {
  Echo echo;
  routes_.set("kms1-abc.hcp.eastus.azmk8s.io", 443, {"127.0.0.1", echo.port()});
  for (const char* target :
       {"other.hcp.eastus.azmk8s.io:443", "kms1-abc.hcp.eastus.azmk8s.io:8443"}) {
    tcp::socket s(client_ioc_);
    EXPECT_EQ(connect(s, target), "HTTP/1.1 403 Forbidden") << target;
  }
  routes_.erase("kms1-abc.hcp.eastus.azmk8s.io", 443);
  EXPECT_EQ(routes_.size(), 0u);
  tcp::socket s(client_ioc_);
  EXPECT_EQ(connect(s, "kms1-abc.hcp.eastus.azmk8s.io:443"), "HTTP/1.1 403 Forbidden");
}

TEST_F(TunnelTest, EndpointDownIsBadGateway) {
  uint16_t dead = 0;
  {
    Echo gone;
    dead = gone.port();
  }
  routes_.set("kms1-abc.hcp.eastus.azmk8s.io", 443, {"127.0.0.1", dead});
  tcp::socket s(client_ioc_);
  EXPECT_EQ(connect(s, "kms1-abc.hcp.eastus.azmk8s.io:443"), "HTTP/1.1 502 Bad Gateway");
}

}  // namespace
}  // namespace kmslab::core
