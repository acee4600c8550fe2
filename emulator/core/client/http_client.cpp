#include "emulator/core/client/http_client.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <mutex>
#include <thread>

#include "emulator/core/client/connection.hpp"

namespace kmslab::core::client {
namespace {

namespace net = boost::asio;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Url parse_proxy(const std::string& text) {
  auto url = parse_url(text);
  if (!url || url->tls) {
    throw std::invalid_argument("proxy must be an http://host:port URL, got \"" + text + "\"");
  }
  return *url;
}

void check_source(const std::string& source) {
  if (source.empty()) return;
  boost::system::error_code ec;
  net::ip::make_address(source, ec);
  if (ec)
    throw std::invalid_argument("source address must be an IP address, got \"" + source + "\"");
}

net::ssl::context make_tls(const ClientOptions& o) {
  net::ssl::context ctx(net::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_verify_mode(net::ssl::verify_peer);
  boost::system::error_code ec;
  if (!o.ca_bundle_file.empty()) {
    ctx.load_verify_file(o.ca_bundle_file, ec);
    if (ec)
      throw std::invalid_argument("cannot load CA bundle " + o.ca_bundle_file + ": " +
                                  ec.message());
  }
  if (!o.ca_pem.empty()) {
    ctx.add_certificate_authority(net::buffer(o.ca_pem), ec);
    if (ec) throw std::invalid_argument("cannot load CA certificate: " + ec.message());
  }
  if (o.ca_bundle_file.empty() && o.ca_pem.empty()) ctx.set_default_verify_paths();
  return ctx;
}

}  // namespace

std::string Response::header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  return it == headers.end() ? std::string() : it->second;
}

class HttpClient::Impl {
 public:
  Impl(ClientOptions options, const core::Clock& clock, Rng& rng, Sleep sleep)
      : options_(std::move(options)),
        clock_(clock),
        rng_(rng),
        sleep_(sleep ? std::move(sleep)
                     : [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }),
        tls_(make_tls(options_)) {
    if (!options_.proxy.empty()) proxy_ = parse_proxy(options_.proxy);
    check_source(options_.source_address);
  }

  Response send(const Request& request) {
    const auto url = parse_url(request.url);
    if (!url) throw TransportError("invalid URL \"" + request.url + "\"", false, 0);
    const Clock::time_point deadline = request.deadline.value_or(Clock::time_point::max());
    const int max_attempts = std::max(1, options_.retry.max_attempts);
    for (int attempt = 1;; ++attempt) {
      std::optional<Response> response;
      std::optional<ConnError> error;
      response = once(*url, request, deadline, error);
      const bool final_answer = response && !retryable_status(response->status);
      const bool can_retry = response || error->transient;
      if (final_answer || !can_retry || attempt >= max_attempts)
        return finish(response, error, attempt);
      std::chrono::milliseconds wait = backoff_delay(options_.retry, attempt, rng_);
      if (response) {
        if (auto after = parse_retry_after(response->header("retry-after"), clock_.now()))
          wait = *after;
      }
      if (deadline != Clock::time_point::max() && Clock::now() + wait >= deadline) {
        return finish(response, error, attempt);
      }
      sleep_(wait);
    }
  }

  ClientStats stats() {
    std::lock_guard lock(mu_);
    return stats_;
  }

  void clear_idle() {
    std::lock_guard lock(mu_);
    idle_.clear();
  }

 private:
  static Response finish(std::optional<Response>& response, std::optional<ConnError>& error,
                         int attempts) {
    if (response) {
      response->attempts = attempts;
      return std::move(*response);
    }
    throw TransportError(error->message, error->transient, attempts);
  }

  std::string pool_key(const Url& url) const {
    return (url.tls ? "https://" : "http://") + url.authority();
  }

  std::unique_ptr<Connection> take_idle(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = idle_.find(key);
    if (it == idle_.end() || it->second.empty()) return nullptr;
    auto conn = std::move(it->second.back());
    it->second.pop_back();
    return conn;
  }

  void put_idle(const std::string& key, std::unique_ptr<Connection> conn) {
    std::lock_guard lock(mu_);
    auto& list = idle_[key];
    if (list.size() < options_.max_idle_per_host) list.push_back(std::move(conn));
  }

  std::unique_ptr<Connection> dial(const Url& url, Clock::time_point deadline,
                                   std::optional<ConnError>& error) {
    // Only https goes through the CONNECT proxy (HTTPS_PROXY semantics); IMDS stays direct.
    const Url* proxy = (proxy_ && url.tls) ? &*proxy_ : nullptr;
    DialPlan plan{&url, proxy, &options_.source_address, &tls_, options_.connect_timeout, deadline};
    auto conn = Connection::dial(plan, error);
    if (conn) {
      std::lock_guard lock(mu_);
      ++stats_.connections_opened;
    }
    return conn;
  }

  http::request<http::string_body> build(const Url& url, const Request& request) const {
    http::request<http::string_body> req;
    req.method_string(request.method);
    req.target(url.target);
    req.version(11);
    req.set(http::field::host, url.host_header());
    req.set(http::field::user_agent, options_.user_agent);
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.body() = request.body;
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      req.prepare_payload();
    }
    req.keep_alive(true);
    return req;
  }

  // One attempt: a pooled connection if there is one (resent once on a fresh connection if the
  // server had closed it), else a new one.
  std::optional<Response> once(const Url& url, const Request& request, Clock::time_point deadline,
                               std::optional<ConnError>& error) {
    const std::string key = pool_key(url);
    auto req = build(url, request);
    for (int fresh = 0; fresh < 2; ++fresh) {
      std::unique_ptr<Connection> conn = fresh == 0 ? take_idle(key) : nullptr;
      const bool reused = conn != nullptr;
      if (!conn) conn = dial(url, deadline, error);
      if (!conn) return std::nullopt;
      {
        std::lock_guard lock(mu_);
        ++stats_.requests_sent;
      }
      http::response<http::string_body> raw;
      const auto read_deadline = std::min(Clock::now() + options_.read_timeout, deadline);
      error = conn->exchange(req, raw, options_.body_limit, read_deadline);
      if (error) {
        if (reused && error->before_response) continue;
        return std::nullopt;
      }
      Response response;
      response.status = raw.result_int();
      for (const auto& field : raw)
        response.headers[lower(std::string(field.name_string()))] = std::string(field.value());
      response.body = std::move(raw.body());
      if (raw.keep_alive()) put_idle(key, std::move(conn));
      return response;
    }
    return std::nullopt;
  }

  const ClientOptions options_;
  const core::Clock& clock_;
  Rng& rng_;
  Sleep sleep_;
  net::ssl::context tls_;
  std::optional<Url> proxy_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
  ClientStats stats_;
};

HttpClient::HttpClient(ClientOptions options, const core::Clock& clock, Rng& rng, Sleep sleep)
    : impl_(std::make_unique<Impl>(std::move(options), clock, rng, std::move(sleep))) {}
HttpClient::~HttpClient() = default;
Response HttpClient::send(const Request& request) {
  return impl_->send(request);
}
ClientStats HttpClient::stats() const {
  return impl_->stats();
}
void HttpClient::clear_idle() {
  impl_->clear_idle();
}

}  // namespace kmslab::core::client
