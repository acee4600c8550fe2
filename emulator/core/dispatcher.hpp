#pragma once
// The request pipeline, in one place and in order:
//   request id -> target parsing -> route match -> group filters -> handler -> error mapping
//   -> common headers -> metrics -> access log.
// The transport hands every parsed request (or a transport-level rejection) to a RequestSink and
// writes back what it returns; it knows nothing of routes.
#include <functional>
#include <optional>
#include <string>

#include "emulator/core/clock.hpp"
#include "emulator/core/http.hpp"
#include "emulator/core/log.hpp"
#include "emulator/core/metrics.hpp"
#include "emulator/core/rng.hpp"
#include "emulator/core/router.hpp"
#include "emulator/core/worker_pool.hpp"

namespace kmslab::core {

/// What the transport writes back, and how (Delivery: at once, late, trickled, or a reset).
struct Answer {
  HttpResponse response;
  Delivery delivery;
};

/// How a sink that deferred a request answers it: called exactly once, from any thread.
using Respond = std::function<void(Answer)>;

class RequestSink {
 public:
  virtual ~RequestSink() = default;
  virtual HttpResponse handle(HttpRequest&& request, const ConnectionInfo& connection) = 0;
  /// Answers now, or returns nullopt and answers later through the Respond that `defer` gave it
  /// (CPU-heavy work answers from a worker thread). A sink may call `defer` and still answer now
  /// (then it never calls the Respond). `defer` is valid only during this call.
  virtual std::optional<Answer> handle_or_defer(HttpRequest&& request,
                                                const ConnectionInfo& connection,
                                                const std::function<Respond()>& defer) {
    (void)defer;
    return Answer{handle(std::move(request), connection), {}};
  }
  /// A request the transport refused before it was whole (too large, unparsable).
  virtual HttpResponse reject(const ApiError& error, unsigned http_version,
                              const ConnectionInfo& connection) = 0;
};

class Dispatcher final : public RequestSink {
 public:
  /// Answers a request no route matched (`other_method`: the path exists with another method).
  using Unmatched = std::function<Reply(const RequestContext&, bool other_method)>;
  /// Writes the errors the pipeline itself raises (no route, a filter's refusal, a handler's
  /// ApiError) in the envelope of the API surface: Azure's by default, Kubernetes' Status for the
  /// simulated kube-apiserver.
  using ErrorWriter = std::function<Reply(const ApiError&)>;

  Dispatcher(const Router& router, const Clock& clock, Rng& rng, Logger& logger,
             MetricsRegistry& metrics, ErrorWriter write_error = to_reply);
  /// A surface with its own "not found" (IMDS answers its own bodies, not Azure's envelope);
  /// by default the ErrorWriter's 404 / 405. Call before serving.
  void set_unmatched(Unmatched unmatched) { unmatched_ = std::move(unmatched); }

  /// Runs heavy routes' handlers (Router::Cost::kHeavy) on `pool` from now on; unset (the
  /// default), everything runs on the caller's thread.
  void set_worker_pool(TaskRunner* pool) { pool_ = pool; }
  /// Runs Router::Cost::kWaits handlers on `runner`; unset, on the caller's thread.
  void set_waiting_runner(TaskRunner* runner) { waiting_ = runner; }

  HttpResponse handle(HttpRequest&& request, const ConnectionInfo& connection) override;
  std::optional<Answer> handle_or_defer(HttpRequest&& request, const ConnectionInfo& connection,
                                        const std::function<Respond()>& defer) override;
  HttpResponse reject(const ApiError& error, unsigned http_version,
                      const ConnectionInfo& connection) override;
  /// A reply made in front of the routes (a sink wrapping this one: kube-apiserver's request
  /// timeout), with the common headers, the metrics and the access log of any other; `request`
  /// may have no body.
  HttpResponse reply_to(const HttpRequest& request, const ConnectionInfo& connection, Reply&& reply,
                        const std::string& route, double seconds);

 private:
  struct Exchange;  // one request on its way through (dispatcher.cpp)
  struct Deferred;

  /// `defer` null: answer now, whatever the route costs.
  std::optional<Answer> dispatch(HttpRequest&& request, const ConnectionInfo& connection,
                                 const std::function<Respond()>* defer);
  Exchange begin(const HttpRequest& request, const ConnectionInfo& connection);
  /// Target parsing, route match and filters; a reply when the request ends there.
  std::optional<Reply> prepare(Exchange& x);
  /// The matched handler and the group's decorators.
  Reply execute(Exchange& x);
  /// Runs a step; an exception is a bug, logged, and answered 500.
  template <class Step>
  Reply guarded(Exchange& x, Step&& step);
  Answer complete(Exchange& x, Reply&& reply);
  void decorate(Exchange& x, Reply& reply);
  HttpResponse finish(Reply&& reply, const HttpRequest* request, const std::string& request_id,
                      unsigned http_version);
  void record(const HttpRequest* request, const ConnectionInfo& connection,
              const std::string& route, const std::string& request_id, unsigned status,
              double seconds, const std::string& error_code);

  const Router& router_;
  const Clock& clock_;
  Rng& rng_;
  Logger& logger_;
  HttpStats stats_;
  TaskRunner* pool_ = nullptr;
  TaskRunner* waiting_ = nullptr;
  Unmatched unmatched_;
  ErrorWriter write_error_;
};

}  // namespace kmslab::core
