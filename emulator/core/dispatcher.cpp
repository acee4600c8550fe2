#include "emulator/core/dispatcher.hpp"

#include <chrono>
#include <exception>

namespace kmslab::core {

namespace {

std::string host_without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {  // [::1]:8443
    const size_t close = host.find(']');
    return to_lower(host.substr(0, close == std::string_view::npos ? host.size() : close + 1));
  }
  const size_t colon = host.rfind(':');
  return to_lower(colon == std::string_view::npos ? host : host.substr(0, colon));
}

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

}  // namespace

Dispatcher::Dispatcher(const Router& router, const Clock& clock, Rng& rng, Logger& logger,
                       MetricsRegistry& metrics, ErrorWriter write_error)
    : router_(router),
      clock_(clock),
      rng_(rng),
      logger_(logger),
      stats_(HttpStats::declare(metrics)),
      write_error_(std::move(write_error)) {}

Reply Dispatcher::run(RequestContext& ctx, const HttpRequest& request) {
  const std::string_view target = request.target();
  const size_t q = target.find('?');
  auto path = percent_decode(target.substr(0, q), false);
  auto query = parse_query(q == std::string_view::npos ? "" : target.substr(q + 1));
  if (!path || !query) return write_error_(errors::bad_parameter("The request URL is not valid."));
  ctx.path = std::move(*path);
  ctx.query = std::move(*query);

  Router::Match m = router_.match(ctx.host, request.method(), ctx.path);
  if (!m.handler) {
    const std::string method(request.method_string());
    return write_error_(m.other_method ? errors::method_not_allowed(method, ctx.path)
                                       : errors::not_found(method, ctx.path));
  }
  ctx.route = m.route;
  ctx.params = std::move(m.params);
  Reply reply = run_matched(ctx, m);
  for (const Decorator& decorate : *m.decorators) decorate(ctx, reply);
  return reply;
}

Reply Dispatcher::run_matched(RequestContext& ctx, const Router::Match& m) {
  for (const Filter& filter : *m.filters) {
    if (auto err = filter(ctx)) return write_error_(*err);
  }
  Result<Reply> result = (*m.handler)(ctx);
  return result.ok() ? std::move(result.value()) : write_error_(result.error());
}

HttpResponse Dispatcher::handle(HttpRequest&& request, const ConnectionInfo& connection) {
  const auto start = std::chrono::steady_clock::now();
  RequestContext ctx{request,     connection, host_without_port(request[http::field::host]),
                     {},          {},         {},
                     rng_.uuid(), {},         clock_};
  Reply reply;
  try {
    reply = run(ctx, request);
  } catch (const std::exception& e) {
    // A bug, not a client error: log it with the request id and keep serving.
    logger_.error("http", "unhandled exception in handler",
                  {{"request_id", ctx.request_id}, {"route", ctx.route}, {"what", e.what()}});
    reply = write_error_(errors::internal(ctx.request_id));
  }
  const unsigned status = reply.status;
  const std::string code = error_code_of(reply);
  HttpResponse response = finish(std::move(reply), &request, ctx.request_id, request.version());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  record(&request, connection, ctx.route.empty() ? "unmatched" : ctx.route, ctx.request_id, status,
         seconds, code);
  return response;
}

HttpResponse Dispatcher::reject(const ApiError& error, unsigned http_version,
                                const ConnectionInfo& connection) {
  const std::string request_id = rng_.uuid();
  HttpResponse response = finish(write_error_(error), nullptr, request_id, http_version);
  response.keep_alive(false);
  record(nullptr, connection, "transport", request_id, error.status, 0, error.code);
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
  for (auto& [name, value] : reply.headers) res.set(name, value);
  res.body() = std::move(reply.body);
  res.keep_alive(request ? request->keep_alive() : false);
  res.prepare_payload();
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
