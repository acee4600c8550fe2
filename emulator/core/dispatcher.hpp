#pragma once
// The request pipeline, in one place and in order:
//   request id -> target parsing -> route match -> group filters -> handler -> error mapping
//   -> common headers -> metrics -> access log.
// The transport hands every parsed request (or a transport-level rejection) to a RequestSink and
// writes back what it returns; it knows nothing of routes.
#include <functional>
#include <string>

#include "emulator/core/clock.hpp"
#include "emulator/core/http.hpp"
#include "emulator/core/log.hpp"
#include "emulator/core/metrics.hpp"
#include "emulator/core/rng.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::core {

class RequestSink {
 public:
  virtual ~RequestSink() = default;
  virtual HttpResponse handle(HttpRequest&& request, const ConnectionInfo& connection) = 0;
  /// A request the transport refused before it was whole (too large, unparsable).
  virtual HttpResponse reject(const ApiError& error, unsigned http_version,
                              const ConnectionInfo& connection) = 0;
};

class Dispatcher final : public RequestSink {
 public:
  /// Writes the errors the pipeline itself raises (no route, a filter's refusal, a handler's
  /// ApiError) in the envelope of the API surface: Azure's by default, Kubernetes' Status for the
  /// simulated kube-apiserver.
  using ErrorWriter = std::function<Reply(const ApiError&)>;

  Dispatcher(const Router& router, const Clock& clock, Rng& rng, Logger& logger,
             MetricsRegistry& metrics, ErrorWriter write_error = to_reply);

  HttpResponse handle(HttpRequest&& request, const ConnectionInfo& connection) override;
  HttpResponse reject(const ApiError& error, unsigned http_version,
                      const ConnectionInfo& connection) override;

 private:
  Reply run(RequestContext& ctx, const HttpRequest& request);
  Reply run_matched(RequestContext& ctx, const Router::Match& match);
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
  ErrorWriter write_error_;
};

}  // namespace kmslab::core
