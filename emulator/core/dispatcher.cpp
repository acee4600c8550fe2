#include "emulator/core/dispatcher.hpp"

#include <chrono>
#include <exception>

namespace kmslab::core {

namespace {

std::string error_code_of(const Reply& reply) {
  if (reply.status < 400) return {};
  try {
    auto j = nlohmann::json::parse(reply.body);
    // Azure's envelope, or a Kubernetes Status.
    if (j.contains("reason")) return j.at("reason").get<std::string>();
    return j.at("error").at("code").get<std::string>();
  } catch (const std::exception&) {
    return {};
  }
}

ApiError busy() {
  // Kmslab's own answer (no group set one): the worker pool's queue is full.
  return {503,
          "ServiceUnavailable",
          "The service is busy with CPU-heavy requests; retry later.",
          std::nullopt,
          {}};
}

}  // namespace

struct Dispatcher::Exchange {
  RequestContext ctx;
  Router::Match match;
  std::chrono::steady_clock::time_point start;
};

// A request whose handler runs on the worker pool: it owns what the context refers to.
struct Dispatcher::Deferred {
  Deferred(HttpRequest&& r, const ConnectionInfo& c, Exchange&& from)
      : request(std::move(r)),
        connection(c),
        x{{request, connection, std::move(from.ctx.host), std::move(from.ctx.path),
           std::move(from.ctx.query), std::move(from.ctx.params), std::move(from.ctx.request_id),
           std::move(from.ctx.route), from.ctx.clock},
          std::move(from.match),
          from.start} {}
  HttpRequest request;
  ConnectionInfo connection;
  Exchange x;
  Respond respond;
};

Dispatcher::Dispatcher(const Router& router, const Clock& clock, Rng& rng, Logger& logger,
                       MetricsRegistry& metrics, ErrorWriter write_error)
    : router_(router),
      clock_(clock),
      rng_(rng),
      logger_(logger),
      stats_(HttpStats::declare(metrics)),
      write_error_(std::move(write_error)) {}

Dispatcher::Exchange Dispatcher::begin(const HttpRequest& request,
                                       const ConnectionInfo& connection) {
  return {{request,
           connection,
           host_without_port(request[http::field::host]),
           {},
           {},
           {},
           rng_.uuid(),
           {},
           clock_},
          {},
          std::chrono::steady_clock::now()};
}

std::optional<Reply> Dispatcher::prepare(Exchange& x) {
  RequestContext& ctx = x.ctx;
  const std::string_view target = ctx.request.target();
  const size_t q = target.find('?');
  auto path = percent_decode(target.substr(0, q), false);
  auto query = parse_query(q == std::string_view::npos ? "" : target.substr(q + 1));
  if (!path || !query) return write_error_(errors::bad_parameter("The request URL is not valid."));
  ctx.path = std::move(*path);
  ctx.query = std::move(*query);

  x.match = router_.match(ctx.host, ctx.request.method(), ctx.path);
  if (!x.match.handler) {
    if (unmatched_) return unmatched_(ctx, x.match.other_method);
    const std::string method(ctx.request.method_string());
    return write_error_(x.match.other_method ? errors::method_not_allowed(method, ctx.path)
                                             : errors::not_found(method, ctx.path));
  }
  ctx.route = x.match.route;
  ctx.params = std::move(x.match.params);
  for (const Filter& filter : *x.match.filters) {
    if (auto err = filter(ctx)) {
      Reply reply = write_error_(*err);
      decorate(x, reply);
      return reply;
    }
  }
  return std::nullopt;
}

Reply Dispatcher::execute(Exchange& x) {
  Result<Reply> result = (*x.match.handler)(x.ctx);
  Reply reply = result.ok() ? std::move(result.value()) : write_error_(result.error());
  decorate(x, reply);
  return reply;
}

void Dispatcher::decorate(Exchange& x, Reply& reply) {
  for (const Decorator& decorate : *x.match.decorators) decorate(x.ctx, reply);
}

template <class Step>
Reply Dispatcher::guarded(Exchange& x, Step&& step) {
  try {
    return step();
  } catch (const std::exception& e) {
    // A bug, not a client error: log it with the request id and keep serving.
    logger_.error("http", "unhandled exception in handler",
                  {{"request_id", x.ctx.request_id}, {"route", x.ctx.route}, {"what", e.what()}});
    return write_error_(errors::internal(x.ctx.request_id));
  }
}

Answer Dispatcher::complete(Exchange& x, Reply&& reply) {
  const unsigned status = reply.status;
  const std::string code = reply.delivery.reset ? "ConnectionReset" : error_code_of(reply);
  const Delivery delivery = reply.delivery;
  const HttpRequest& request = x.ctx.request;
  HttpResponse response = finish(std::move(reply), &request, x.ctx.request_id, request.version());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - x.start).count();
  record(&request, x.ctx.connection, x.ctx.route.empty() ? "unmatched" : x.ctx.route,
         x.ctx.request_id, status, seconds, code);
  return {std::move(response), delivery};
}

HttpResponse Dispatcher::handle(HttpRequest&& request, const ConnectionInfo& connection) {
  return std::move(dispatch(std::move(request), connection, nullptr)->response);
}

std::optional<Answer> Dispatcher::handle_or_defer(HttpRequest&& request,
                                                  const ConnectionInfo& connection,
                                                  const std::function<Respond()>& defer) {
  return dispatch(std::move(request), connection, &defer);
}

std::optional<Answer> Dispatcher::dispatch(HttpRequest&& request, const ConnectionInfo& connection,
                                           const std::function<Respond()>* defer) {
  Exchange x = begin(request, connection);
  TaskRunner* runner = nullptr;
  Reply reply = guarded(x, [&] {
    if (auto early = prepare(x)) return std::move(*early);
    if (defer && x.match.cost == Router::Cost::kHeavy) runner = pool_;
    if (defer && x.match.cost == Router::Cost::kWaits) runner = waiting_;
    return runner ? Reply{} : execute(x);
  });
  if (!runner) return complete(x, std::move(reply));

  auto deferred = std::make_shared<Deferred>(std::move(request), connection, std::move(x));
  TaskRunner::Task task = [this, deferred] {
    Reply r = guarded(deferred->x, [&] { return execute(deferred->x); });
    deferred->respond(complete(deferred->x, std::move(r)));
  };
  deferred->respond = (*defer)();
  if (runner->try_submit(task)) return std::nullopt;
  // Full: answer now, on this thread, as the group's service answers overload.
  Exchange& held = deferred->x;
  Reply refused = write_error_(*held.match.busy_error ? **held.match.busy_error : busy());
  decorate(held, refused);
  return complete(held, std::move(refused));
}

HttpResponse Dispatcher::reject(const ApiError& error, unsigned http_version,
                                const ConnectionInfo& connection) {
  const std::string request_id = rng_.uuid();
  HttpResponse response = finish(write_error_(error), nullptr, request_id, http_version);
  response.keep_alive(false);
  record(nullptr, connection, "transport", request_id, error.status, 0, error.code);
  return response;
}

HttpResponse Dispatcher::reply_to(const HttpRequest& request, const ConnectionInfo& connection,
                                  Reply&& reply, const std::string& route, double seconds) {
  const std::string request_id = rng_.uuid();
  const unsigned status = reply.status;
  const std::string code = error_code_of(reply);
  HttpResponse response = finish(std::move(reply), &request, request_id, request.version());
  record(&request, connection, route, request_id, status, seconds, code);
  return response;
}

HttpResponse Dispatcher::finish(Reply&& reply, const HttpRequest* request,
                                const std::string& request_id, unsigned http_version) {
  HttpResponse res{static_cast<http::status>(reply.status), http_version};
  res.set(http::field::date, format_http_date(clock_.now()));
  res.set(http::field::cache_control, "no-cache");
  res.set("x-ms-request-id", request_id);
  if (request) {
    auto client_id = request->find("x-ms-client-request-id");
    if (client_id != request->end()) res.set("x-ms-client-request-id", client_id->value());
  }
  if (!reply.content_type.empty()) res.set(http::field::content_type, reply.content_type);
  // An empty value removes the header (Managed HSM sends no Date, recorded-keyvault.md §9).
  for (auto& [name, value] : reply.headers) {
    if (value.empty()) {
      res.erase(name);
    } else {
      res.set(name, value);
    }
  }
  res.body() = std::move(reply.body);
  res.keep_alive(request ? request->keep_alive() : false);
  res.prepare_payload();
  // A 204 carries no Content-Length at all (RFC 9110 §8.6; Key Vault's purge, recorded-keyvault.md
  // §3); Beast writes "Content-Length: 0".
  if (res.result() == http::status::no_content) res.erase(http::field::content_length);
  return res;
}

void Dispatcher::record(const HttpRequest* request, const ConnectionInfo& connection,
                        const std::string& route, const std::string& request_id, unsigned status,
                        double seconds, const std::string& error_code) {
  const std::string method = request ? std::string(request->method_string()) : "";
  stats_.requests.inc({route, method, std::to_string(status)});
  stats_.duration.observe({route}, seconds);
  if (!logger_.enabled(LogLevel::kInfo)) return;
  nlohmann::json fields = {{"request_id", request_id}, {"method", method},
                           {"route", route},           {"status", status},
                           {"latency_s", seconds},     {"peer", connection.peer_address}};
  if (request) {
    fields["host"] = std::string((*request)[http::field::host]);
    const std::string_view target = request->target();
    fields["path"] = std::string(target.substr(0, target.find('?')));  // queries may hold secrets
    auto client_id = request->find("x-ms-client-request-id");
    if (client_id != request->end()) fields["client_request_id"] = std::string(client_id->value());
  }
  if (!error_code.empty()) fields["code"] = error_code;
  logger_.log(status >= 500 ? LogLevel::kError : LogLevel::kInfo, "http", "request", fields);
}

}  // namespace kmslab::core
