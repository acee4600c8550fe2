#pragma once
// The request pipeline, in one place and in order:
//   request id -> target parsing -> route match -> group filters -> handler -> error mapping
//   -> common headers -> metrics -> access log.
// The transport hands every parsed request (or a transport-level rejection) to a RequestSink and
// writes back what it returns; it knows nothing of routes.
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
  /// handle(), also saying how the transport must deliver the response (fault injection).
  virtual HttpResponse serve(HttpRequest&& request, const ConnectionInfo& connection,
                             Delivery& delivery) {
    delivery = {};
    return handle(std::move(request), connection);
  }
  /// A request the transport refused before it was whole (too large, unparsable).
  virtual HttpResponse reject(const ApiError& error, unsigned http_version,
                              const ConnectionInfo& connection) = 0;
};

class Dispatcher final : public RequestSink {
 public:
  Dispatcher(const Router& router, const Clock& clock, Rng& rng, Logger& logger,
             MetricsRegistry& metrics);

  HttpResponse handle(HttpRequest&& request, const ConnectionInfo& connection) override;
  HttpResponse serve(HttpRequest&& request, const ConnectionInfo& connection,
                     Delivery& delivery) override;
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
};

}  // namespace kmslab::core
