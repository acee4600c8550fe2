#include "emulator/core/client/connection.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>

namespace kmslab::core::client {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

ConnError failure(const std::string& what, const boost::system::error_code& ec) {
  const bool timeout = ec == beast::error::timeout;
  std::string reason = timeout ? "i/o timeout" : ec.message();
  // Certificate problems are final: trying again meets the same certificate.
  const bool tls_verify =
      ec.category() == net::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
  const bool dns = ec == net::error::host_not_found;
  return {what + ": " + reason, !tls_verify && !dns, true};
}

}  // namespace

beast::tcp_stream& Connection::lowest() {
  return secure_ ? beast::get_lowest_layer(*secure_) : *plain_;
}

template <class Op>
boost::system::error_code Connection::run(Clock::time_point until, Op&& op) {
  boost::system::error_code result = net::error::would_block;
  lowest().expires_after(
      std::max(until - Clock::now(), Clock::duration(std::chrono::milliseconds(1))));
  op([&result](boost::system::error_code ec, auto&&...) { result = ec; });
  ioc_.restart();
  ioc_.run();
  return result;
}

std::unique_ptr<Connection> Connection::dial(const DialPlan& plan,
                                             std::optional<ConnError>& error) {
  std::unique_ptr<Connection> conn(new Connection());
  conn->plain_ = std::make_unique<beast::tcp_stream>(conn->ioc_);
  const Clock::time_point until = std::min(Clock::now() + plan.connect_timeout, plan.deadline);
  const Url& first_hop = plan.proxy ? *plan.proxy : *plan.target;
  error = conn->connect_tcp(first_hop, *plan.source_address, until);
  if (!error && plan.proxy) error = conn->tunnel(*plan.target, until);
  if (!error && plan.target->tls) error = conn->handshake(*plan.target, *plan.tls, until);
  if (error) return nullptr;
  conn->lowest().expires_never();
  return conn;
}

std::optional<ConnError> Connection::connect_tcp(const Url& to, const std::string& source,
                                                 Clock::time_point until) {
  const std::string where = "dial tcp " + to.authority();
  tcp::resolver resolver(ioc_);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(to.host, std::to_string(to.port), ec);
  if (ec) return failure(where, ec);
  std::optional<net::ip::address> bind_to;
  if (!source.empty()) bind_to = net::ip::make_address(source);
  ec = net::error::host_not_found;
  for (const auto& entry : endpoints) {
    tcp::endpoint ep = entry.endpoint();
    if (bind_to && bind_to->is_v4() != ep.address().is_v4()) continue;
    plain_->close();
    plain_->socket().open(ep.protocol(), ec);
    if (!ec && bind_to) plain_->socket().bind(tcp::endpoint(*bind_to, 0), ec);
    if (ec) return failure(where + " from " + source, ec);
    ec = run(until, [&](auto handler) { plain_->async_connect(ep, std::move(handler)); });
    if (!ec) {
      plain_->socket().set_option(tcp::no_delay(true), ec);
      return std::nullopt;
    }
  }
  return failure(where, ec);
}

std::optional<ConnError> Connection::tunnel(const Url& target, Clock::time_point until) {
  http::request<http::empty_body> connect{http::verb::connect, target.authority(), 11};
  connect.set(http::field::host, target.authority());
  auto ec = run(until, [&](auto h) { http::async_write(*plain_, connect, std::move(h)); });
  if (ec) return failure("proxy CONNECT " + target.authority(), ec);
  http::response_parser<http::empty_body> parser;
  parser.skip(true);  // a CONNECT answer has no body: the tunnel starts after the headers
  ec = run(until, [&](auto h) { http::async_read_header(*plain_, buffer_, parser, std::move(h)); });
  if (ec) return failure("proxy CONNECT " + target.authority(), ec);
  const unsigned status = parser.get().result_int();
  if (status != 200) {
    return ConnError{"proxy refused CONNECT " + target.authority() + ": " + std::to_string(status) +
                         " " + std::string(parser.get().reason()),
                     status >= 500, true};
  }
  return std::nullopt;
}

std::optional<ConnError> Connection::handshake(const Url& target, net::ssl::context& tls,
                                               Clock::time_point until) {
  secure_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*plain_), tls);
  plain_.reset();
  SSL* ssl = secure_->native_handle();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (is_ip_literal(target.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, target.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, target.host.c_str());
    X509_VERIFY_PARAM_set1_host(param, target.host.c_str(), target.host.size());
  }
  auto ec = run(until, [&](auto h) {
    secure_->async_handshake(net::ssl::stream_base::client, std::move(h));
  });
  if (ec) return failure("tls handshake with " + target.authority(), ec);
  return std::nullopt;
}

std::optional<ConnError> Connection::exchange(http::request<http::string_body>& request,
                                              http::response<http::string_body>& response,
                                              size_t body_limit, Clock::time_point read_deadline) {
  boost::system::error_code ec;
  if (secure_) {
    ec = run(read_deadline, [&](auto h) { http::async_write(*secure_, request, std::move(h)); });
  } else {
    ec = run(read_deadline, [&](auto h) { http::async_write(*plain_, request, std::move(h)); });
  }
  if (ec) return failure("write request", ec);
  http::response_parser<http::string_body> parser;
  parser.body_limit(body_limit);
  if (request.method() == http::verb::head) parser.skip(true);
  if (secure_) {
    ec = run(read_deadline,
             [&](auto h) { http::async_read(*secure_, buffer_, parser, std::move(h)); });
  } else {
    ec = run(read_deadline,
             [&](auto h) { http::async_read(*plain_, buffer_, parser, std::move(h)); });
  }
  if (ec) {
    ConnError error = failure("read response", ec);
    error.before_response = parser.got_some() == false;
    return error;
  }
  response = parser.release();
  return std::nullopt;
}

}  // namespace kmslab::core::client
