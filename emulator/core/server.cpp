#include "emulator/core/server.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include "emulator/core/proxy_policy.hpp"
#include "emulator/core/stream_body.hpp"
#include "emulator/core/tcp_splice.hpp"

namespace kmslab::core {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using net::awaitable;
using net::ip::tcp;
using error_code = boost::system::error_code;

namespace {
constexpr std::string_view kEstablished = "HTTP/1.1 200 Connection Established\r\n\r\n";
}  // namespace

/// Lives on the connection's strand; everything in it is touched only there.
struct HttpServer::ConnState {
  net::any_io_executor executor;
  std::function<void()> close_now;     // closes the socket of the current stream
  bool busy = false;                   // a request is being handled or its response written
  std::shared_ptr<StreamBody> stream;  // while a streamed body is being written
};

class HttpServer::Impl : public std::enable_shared_from_this<HttpServer::Impl> {
 public:
  Impl(net::io_context& ioc, RequestSink& sink, ssl::context* tls, ServerOptions options,
       MetricsRegistry& metrics)
      : ioc_(ioc),
        sink_(sink),
        tls_(tls),
        options_(std::move(options)),
        proxy_policy_(options_.proxy_allow),
        tunnels_(metrics.counter("kmslab_proxy_tunnels_total",
                                 "CONNECT requests to the proxy, by result.", {"result"})),
        accept_errors_(metrics.counter("kmslab_accept_errors_total",
                                       "accept() failures (each followed by a back-off), by kind.",
                                       {"kind"})) {}

  uint16_t listen(const std::string& address, uint16_t port, Kind kind) {
    auto acceptor = std::make_shared<tcp::acceptor>(ioc_);
    const tcp::endpoint endpoint(net::ip::make_address(address), port);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(net::socket_base::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen(net::socket_base::max_listen_connections);
    {
      std::lock_guard l(mu_);
      acceptors_.push_back(acceptor);
    }
    net::co_spawn(ioc_, accept_loop(acceptor, kind), net::detached);
    return acceptor->local_endpoint().port();
  }

  void shutdown() {
    stopping_ = true;
    std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
    std::vector<std::shared_ptr<ConnState>> conns;
    {
      std::lock_guard l(mu_);
      acceptors.swap(acceptors_);
      for (auto& [id, c] : conns_) conns.push_back(c);
    }
    for (auto& a : acceptors) {
      net::post(a->get_executor(), [a] {
        error_code ec;
        a->close(ec);
      });
    }
    for (auto& c : conns) {
      net::post(c->executor, [c] {
        if (c->stream) c->stream->stop();  // a watch ends cleanly, as kube-apiserver's do
        if (!c->busy && c->close_now) c->close_now();
      });
    }
  }

  size_t open_connections() const {
    std::lock_guard l(mu_);
    return conns_.size();
  }

 private:
  static std::string accept_error_kind(const error_code& ec) {
    if (ec == net::error::no_descriptors || ec.value() == ENFILE) return "descriptors";
    if (ec == net::error::no_buffer_space || ec == net::error::no_memory) return "memory";
    return "other";
  }

  static awaitable<void> back_off(tcp::acceptor& acceptor, std::chrono::milliseconds delay) {
    net::steady_timer timer(acceptor.get_executor(), delay);
    error_code ignored;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ignored));
  }

  awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor, Kind kind) {
    auto self = shared_from_this();
    std::chrono::milliseconds backoff = options_.accept_backoff_min;
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor->async_accept(
          net::make_strand(ioc_), net::redirect_error(net::use_awaitable, ec));
      if (stopping_ || ec == net::error::operation_aborted || !acceptor->is_open()) co_return;
      if (ec) {
        // EMFILE and kin leave the connection in the backlog: retrying at once would spin a core
        // until a descriptor frees up. Wait, doubling up to the cap, as nginx pauses accept().
        accept_errors_.inc({accept_error_kind(ec)});
        co_await back_off(*acceptor, backoff);
        backoff = std::min(backoff * 2, options_.accept_backoff_max);
        continue;
      }
      backoff = options_.accept_backoff_min;
      // Responses go out as several TLS records; without this, Nagle's algorithm holds the last
      // one back until the client's delayed ACK (40 ms) arrives.
      socket.set_option(tcp::no_delay(true), ec);
      auto executor = socket.get_executor();
      net::co_spawn(executor, run_connection(std::move(socket), kind), net::detached);
    }
  }

  awaitable<void> run_connection(tcp::socket socket, Kind kind) {
    auto self = shared_from_this();
    auto state = std::make_shared<ConnState>();
    state->executor = socket.get_executor();
    ConnectionInfo info = describe(socket);
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    state->close_now = [stream] { stream->close(); };
    const uint64_t id = track(state);
    beast::flat_buffer buffer;
    try {
      if (kind == Kind::kProxy) {
        co_await run_proxy(*stream, buffer, info, *state);
      } else if (kind == Kind::kHttps) {
        co_await serve_detected(stream, buffer, info, *state, /*plain_ok=*/false);
      } else {
        co_await serve_requests(*stream, buffer, info, *state);
        error_code ec;
        stream->socket().shutdown(tcp::socket::shutdown_send, ec);
      }
    } catch (const std::exception&) {
      // A transport failure on one connection (a peer vanishing mid-write) ends that connection.
    }
    state->close_now = nullptr;
    untrack(id);
  }

  static ConnectionInfo describe(const tcp::socket& socket) {
    ConnectionInfo info;
    error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (!ec) {
      auto addr = remote.address();
      if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
        addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
      }
      info.peer_address = addr.to_string();
      info.peer_port = remote.port();
    }
    const auto local = socket.local_endpoint(ec);
    if (!ec) info.local_port = local.port();
    return info;
  }

  // Peeks at the first bytes: a TLS ClientHello gets a TLS session, anything else plain HTTP
  // (inside a proxy tunnel) or a clear refusal (on the https port, as nginx does).
  awaitable<void> serve_detected(std::shared_ptr<beast::tcp_stream> stream,
                                 beast::flat_buffer& buffer, ConnectionInfo& info, ConnState& state,
                                 bool plain_ok) {
    error_code ec;
    stream->expires_after(options_.handshake_timeout);
    const bool is_tls = co_await beast::async_detect_ssl(
        *stream, buffer, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    if (!is_tls) {
      if (plain_ok) {
        co_await serve_requests(*stream, buffer, info, state);
      } else {
        ApiError refusal = errors::bad_parameter(
            "The plain HTTP request was sent to an HTTPS port: use https:// (or start kmslab "
            "with --plain-http).");
        co_await write_refusal(*stream, info, std::move(refusal));
      }
      stream->socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
    if (!tls_) co_return;
    auto tls_stream =
        std::make_shared<beast::ssl_stream<beast::tcp_stream>>(std::move(*stream), *tls_);
    state.close_now = [tls_stream] { beast::get_lowest_layer(*tls_stream).close(); };
    beast::get_lowest_layer(*tls_stream).expires_after(options_.handshake_timeout);
    const size_t used = co_await tls_stream->async_handshake(
        ssl::stream_base::server, buffer.data(), net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    buffer.consume(used);
    info.tls = true;
    if (const char* sni =
            SSL_get_servername(tls_stream->native_handle(), TLSEXT_NAMETYPE_host_name)) {
      info.sni = sni;
    }
    co_await serve_requests(*tls_stream, buffer, info, state);
    beast::get_lowest_layer(*tls_stream).expires_after(std::chrono::seconds(2));
    co_await tls_stream->async_shutdown(net::redirect_error(net::use_awaitable, ec));
  }

  template <class Stream>
  awaitable<void> serve_requests(Stream& stream, beast::flat_buffer& buffer,
                                 const ConnectionInfo& info, ConnState& state) {
    for (;;) {
      if (stopping_) co_return;
      http::request_parser<http::string_body> parser;
      parser.body_limit(options_.body_limit);
      if (!co_await read_header(stream, buffer, parser, info)) co_return;
      state.busy = true;
      error_code ec;
      if (parser.get()[http::field::expect] == "100-continue") {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        co_await net::async_write(stream, net::buffer(kContinue.data(), kContinue.size()),
                                  net::redirect_error(net::use_awaitable, ec));
        if (ec) co_return;
      }
      co_await http::async_read(stream, buffer, parser,
                                net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        co_await refuse_read_error(stream, ec, info);
        co_return;
      }
      auto answered = co_await answer(parser.release(), info, state);
      if (!answered) co_return;
      HttpResponse& response = answered->response;
      const Delivery& delivery = answered->delivery;
      // The write gets its own time: a deferred answer may have outlived the read's budget.
      beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
      const bool keep_alive = response.keep_alive() && !stopping_ && !delivery.reset;
      response.keep_alive(keep_alive);
      if (delivery.stream) {
        co_await stream_out(stream, response, delivery.stream, state, ec);
        co_return;
      }
      co_await deliver(stream, response, delivery, ec);
      state.busy = false;
      if (ec || !keep_alive) co_return;
    }
  }

  // Writes the response as the Delivery says: after its delay, all at once or with the body
  // trickled, or not at all (the connection is reset: RST, not FIN).
  template <class Stream>
  awaitable<void> deliver(Stream& stream, HttpResponse& response, const Delivery& delivery,
                          error_code& ec) {
    if (delivery.delay.count() > 0) {
      net::steady_timer timer(stream.get_executor(), delivery.delay);
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;
      beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
    }
    if (delivery.reset) {
      auto& socket = beast::get_lowest_layer(stream).socket();
      socket.set_option(net::socket_base::linger(true, 0), ec);
      socket.close(ec);
      ec = net::error::connection_reset;
      co_return;
    }
    if (delivery.body_bytes_per_second == 0) {
      co_await http::async_write(stream, response, net::redirect_error(net::use_awaitable, ec));
      co_return;
    }
    http::response_serializer<http::string_body> serializer{response};
    co_await http::async_write_header(stream, serializer,
                                      net::redirect_error(net::use_awaitable, ec));
    const std::string& body = response.body();
    // Ten slices a second (at least a byte each), so the rate holds for any bytesPerSecond.
    const size_t rate = delivery.body_bytes_per_second;
    const size_t slice = std::max<size_t>(1, rate / 10);
    const auto interval = std::chrono::microseconds(1'000'000 * slice / rate);
    net::steady_timer timer(stream.get_executor());
    for (size_t offset = 0; !ec && offset < body.size(); offset += slice) {
      timer.expires_after(interval);
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;
      const auto piece = net::buffer(body.data() + offset, std::min(slice, body.size() - offset));
      beast::get_lowest_layer(stream).expires_after(options_.handshake_timeout);
      co_await net::async_write(stream, piece, net::redirect_error(net::use_awaitable, ec));
    }
  }

  // A streamed body: the header now, then each drained piece as one HTTP/1.1 chunk, until the
  // producer finishes (terminating chunk), the reader is cut off, or the server stops. The
  // connection closes afterwards.
  template <class Stream>
  awaitable<void> stream_out(Stream& stream, HttpResponse& response,
                             std::shared_ptr<StreamBody> body, ConnState& state, error_code& ec) {
    http::response<http::empty_body> head{response.result(), response.version()};
    for (const auto& field : response) head.set(field.name_string(), field.value());
    head.erase(http::field::content_length);
    head.chunked(true);
    head.keep_alive(false);
    auto wake = std::make_shared<net::steady_timer>(state.executor);
    body->set_waker([wake, ex = state.executor] { net::post(ex, [wake] { wake->cancel(); }); });
    state.stream = body;
    if (stopping_) body->stop();
    http::response_serializer<http::empty_body> serializer{head};
    co_await http::async_write_header(stream, serializer,
                                      net::redirect_error(net::use_awaitable, ec));
    // A client says nothing during a stream; its EOF (or anything it sends) ends the stream at
    // once rather than at the next failed write. One read in flight beside the writes.
    auto reader = std::make_shared<ReaderState>(state.executor);
    if (!ec) net::co_spawn(state.executor, watch_reader(stream, body, reader), net::detached);
    // Bounded by the stream: every round writes, ends, or waits for the producer to wake it.
    while (!ec) {
      StreamBody::Drained drained = body->drain();
      if (drained.aborted) break;
      if (!drained.data.empty()) {
        beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
        co_await net::async_write(stream, http::make_chunk(net::buffer(drained.data)),
                                  net::redirect_error(net::use_awaitable, ec));
        continue;
      }
      if (drained.finished) {
        beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
        co_await net::async_write(stream, http::make_chunk_last(),
                                  net::redirect_error(net::use_awaitable, ec));
        break;
      }
      beast::get_lowest_layer(stream).expires_never();
      wake->expires_after(std::chrono::hours(24));
      error_code woken;
      co_await wake->async_wait(net::redirect_error(net::use_awaitable, woken));
    }
    body->set_waker(nullptr);
    body->abort();  // lets the producer go (a no-op for its own finish)
    state.stream = nullptr;
    if (reader->reading) {
      // The stream is done with: end the read (closing the socket) and wait for it, since it
      // refers to `stream`.
      beast::get_lowest_layer(stream).close();
      reader->done.expires_after(std::chrono::seconds(10));
      error_code woken;
      co_await reader->done.async_wait(net::redirect_error(net::use_awaitable, woken));
    }
    if (!ec) ec = net::error::eof;
  }

  struct ReaderState {
    explicit ReaderState(const net::any_io_executor& ex) : done(ex) {}
    bool reading = true;
    net::steady_timer done;
  };

  template <class Stream>
  static awaitable<void> watch_reader(Stream& stream, std::shared_ptr<StreamBody> body,
                                      std::shared_ptr<ReaderState> reader) {
    char byte = 0;
    error_code ec;
    co_await stream.async_read_some(net::buffer(&byte, 1),
                                    net::redirect_error(net::use_awaitable, ec));
    reader->reading = false;
    body->abort();
    reader->done.cancel();
  }

  // A deferred answer (CPU-heavy work on the sink's worker pool) arrives on the connection's
  // strand and wakes the coroutine, which meanwhile holds no I/O thread.
  struct Pending {
    explicit Pending(const net::any_io_executor& ex) : timer(ex) {}
    net::steady_timer timer;
    std::optional<Answer> answer;
  };
  static constexpr std::chrono::minutes kDeferredLimit{10};

  // The sink's answer, now or later; nullopt (the connection ends) only if a deferred answer
  // never came within kDeferredLimit, which would be a bug in the sink.
  awaitable<std::optional<Answer>> answer(HttpRequest&& request, const ConnectionInfo& info,
                                          ConnState& state) {
    std::shared_ptr<Pending> pending;
    auto now = sink_.handle_or_defer(std::move(request), info, [&]() -> Respond {
      pending = std::make_shared<Pending>(state.executor);
      return [pending](Answer a) {
        net::post(pending->timer.get_executor(), [pending, a = std::move(a)]() mutable {
          pending->answer = std::move(a);
          pending->timer.cancel();
        });
      };
    });
    if (now) co_return std::move(now);
    // Posted to this strand, the answer cannot run before the wait starts.
    pending->timer.expires_after(kDeferredLimit);
    error_code ec;
    co_await pending->timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    co_return std::move(pending->answer);
  }

  // Reads a request's header within the read timeout and the header limit; on failure answers
  // what deserves an answer and returns false.
  template <class Stream, class Parser>
  awaitable<bool> read_header(Stream& stream, beast::flat_buffer& buffer, Parser& parser,
                              const ConnectionInfo& info) {
    parser.header_limit(static_cast<std::uint32_t>(options_.header_limit));
    beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
    error_code ec;
    co_await http::async_read_header(stream, buffer, parser,
                                     net::redirect_error(net::use_awaitable, ec));
    if (ec) co_await refuse_read_error(stream, ec, info);
    co_return !ec;
  }

  // A read that failed: a closed or idle connection just ends; a request the server will not take
  // (too large, not HTTP) gets an error response first.
  std::optional<ApiError> read_error_reply(const error_code& ec) const {
    if (ec == http::error::header_limit) {
      return ApiError{431,
                      "RequestHeaderFieldsTooLarge",
                      "The request headers are larger than the " +
                          std::to_string(options_.header_limit) + " bytes this server accepts.",
                      std::nullopt,
                      {}};
    }
    if (ec == http::error::body_limit) return errors::payload_too_large(options_.body_limit);
    if (ec.category() == error_code(http::error::header_limit).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return ApiError{400,
                      "BadRequest",
                      "The request is not valid HTTP/1.1 (" + ec.message() + ").",
                      std::nullopt,
                      {}};
    }
    return std::nullopt;
  }

  // GCC 12 mishandles temporaries that live across a co_await, so every awaited call below gets
  // named arguments.
  template <class Stream>
  awaitable<void> refuse_read_error(Stream& stream, error_code ec, const ConnectionInfo& info) {
    std::optional<ApiError> error = read_error_reply(ec);
    if (error) co_await write_refusal(stream, info, std::move(*error));
  }

  template <class Stream>
  awaitable<void> write_refusal(Stream& stream, const ConnectionInfo& info, ApiError error) {
    HttpResponse response = sink_.reject(error, 11, info);
    error_code ec;
    beast::get_lowest_layer(stream).expires_after(options_.handshake_timeout);
    co_await http::async_write(stream, response, net::redirect_error(net::use_awaitable, ec));
  }

  awaitable<void> run_proxy(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                            ConnectionInfo& info, ConnState& state) {
    http::request_parser<http::empty_body> parser;
    if (!co_await read_header(stream, buffer, parser, info)) co_return;
    error_code ec;
    const auto& request = parser.get();
    const std::string target(request.target());
    ProxyDecision decision = proxy_policy_.decide(request.method_string(), target);
    if (decision.target && options_.tunnel_routes) {
      if (auto to = options_.tunnel_routes->find(decision.target->host, decision.target->port)) {
        co_await pass_through(stream, buffer, *to, state);
        co_return;
      }
    }
    if (decision.status != 200) {
      tunnels_.inc({"refused"});
      co_await write_proxy_answer(stream, decision.status, std::move(decision.text));
      co_return;
    }
    tunnels_.inc({"accepted"});
    co_await net::async_write(stream, net::buffer(kEstablished.data(), kEstablished.size()),
                              net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    info.tunnel_target = target;
    // The tunnel is served by this very process; the stream object moves into the TLS session,
    // so hand the session a shared stream of its own.
    auto tunneled = std::make_shared<beast::tcp_stream>(std::move(stream));
    state.close_now = [tunneled] { tunneled->close(); };
    co_await serve_detected(tunneled, buffer, info, state, /*plain_ok=*/true);
  }

  // A routed name: the bytes go, untouched, to the endpoint's own listener (it does the TLS).
  awaitable<void> pass_through(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                               TunnelEndpoint to, ConnState& state) {
    error_code ec;
    tcp::socket upstream(stream.get_executor());
    const tcp::endpoint endpoint(net::ip::make_address(to.address, ec), to.port);
    if (!ec) {
      stream.expires_after(options_.handshake_timeout);
      co_await upstream.async_connect(endpoint, net::redirect_error(net::use_awaitable, ec));
    }
    if (ec) {
      tunnels_.inc({"unreachable"});
      co_await write_proxy_answer(stream, 502,
                                  "the tunnel's endpoint " + to.address + ":" +
                                      std::to_string(to.port) +
                                      " is not answering: " + ec.message());
      co_return;
    }
    tunnels_.inc({"passthrough"});
    co_await net::async_write(stream, net::buffer(kEstablished.data(), kEstablished.size()),
                              net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    upstream.set_option(tcp::no_delay(true), ec);
    if (buffer.size() > 0) {  // bytes the client sent after its CONNECT, already read
      co_await net::async_write(upstream, buffer.data(),
                                net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;
      buffer.consume(buffer.size());
    }
    stream.expires_never();
    tcp::socket& client = stream.socket();
    state.close_now = [&client, &upstream] {
      error_code ignored;
      client.close(ignored);
      upstream.close(ignored);
    };
    co_await splice(client, upstream);
    state.close_now = [&client] {
      error_code ignored;
      client.close(ignored);
    };
  }

  awaitable<void> write_proxy_answer(beast::tcp_stream& stream, unsigned status, std::string text) {
    http::response<http::string_body> response{static_cast<http::status>(status), 11};
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.set(http::field::server, "kmslab-proxy");
    response.body() = std::move(text);
    response.keep_alive(false);
    response.prepare_payload();
    error_code ec;
    co_await http::async_write(stream, response, net::redirect_error(net::use_awaitable, ec));
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  uint64_t track(std::shared_ptr<ConnState> state) {
    std::lock_guard l(mu_);
    const uint64_t id = next_conn_++;
    conns_.emplace(id, std::move(state));
    return id;
  }

  void untrack(uint64_t id) {
    std::lock_guard l(mu_);
    conns_.erase(id);
  }

  net::io_context& ioc_;
  RequestSink& sink_;
  ssl::context* tls_;
  const ServerOptions options_;
  const ProxyPolicy proxy_policy_;
  CounterVec& tunnels_;
  CounterVec& accept_errors_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors_;
  std::map<uint64_t, std::shared_ptr<ConnState>> conns_;
  uint64_t next_conn_ = 1;
};

HttpServer::HttpServer(net::io_context& ioc, RequestSink& sink, ssl::context* tls,
                       ServerOptions options, MetricsRegistry& metrics)
    : impl_(std::make_shared<Impl>(ioc, sink, tls, std::move(options), metrics)) {}

HttpServer::~HttpServer() = default;

uint16_t HttpServer::listen(const std::string& address, uint16_t port, Kind kind) {
  return impl_->listen(address, port, kind);
}

void HttpServer::shutdown() {
  impl_->shutdown();
}

size_t HttpServer::open_connections() const {
  return impl_->open_connections();
}

void stop_when_idle(boost::asio::io_context& ioc, std::vector<HttpServer*> servers,
                    std::chrono::steady_clock::time_point deadline) {
  size_t open = 0;
  for (HttpServer* server : servers) open += server->open_connections();
  if (open == 0 || std::chrono::steady_clock::now() >= deadline) {
    ioc.stop();
    return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(ioc, std::chrono::milliseconds(10));
  timer->async_wait([&ioc, servers = std::move(servers), timer,
                     deadline](const boost::system::error_code&) mutable {
    stop_when_idle(ioc, std::move(servers), deadline);
  });
}

}  // namespace kmslab::core
