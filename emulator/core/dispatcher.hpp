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
  /// Answers a request no route matched (`other_method`: the path exists with another method).
  using Unmatched = std::function<Reply(const RequestContext&, bool other_method)>;

  Dispatcher(const Router& router, const Clock& clock, Rng& rng, Logger& logger,
             MetricsRegistry& metrics);
  /// A surface with its own "not found" (IMDS answers its own bodies, not Azure's envelope);
  /// by default the Azure envelope's 404 / 405. Call before serving.
  void set_unmatched(Unmatched unmatched) { unmatched_ = std::move(unmatched); }

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
  Unmatched unmatched_;
};

}  // namespace kmslab::core
