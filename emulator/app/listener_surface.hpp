#pragma once
// Each listener serves exactly its surface (issue 9 defect 2):
//  - https (and the services a proxy tunnel ends in): Azure, routed by Host header; a TLS
//    connection opened for one host (its SNI) or a tunnel CONNECTed to one host serves that host
//    only, so a connection to a vault cannot reach ARM, the sign-in service or another vault;
//  - the managed identity listener: its own router (emulator.cpp), nothing else.
#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/dispatcher.hpp"

namespace kmslab::app {

/// The host a connection was opened for: the CONNECT target's host inside a proxy tunnel, else
/// the TLS server name; empty when neither names one (plain HTTP, TLS to an IP address).
std::string connection_host(const core::ConnectionInfo& connection);

/// A 421 Misdirected Request (RFC 9110 §15.5.20) when the Host header names another host than
/// the connection was opened for; nullopt otherwise. The code and message are kmslab's [U]: a
/// real Azure front end cannot be reached this way, since each name resolves to its own service.
std::optional<core::ApiError> misdirected(std::string_view host_header,
                                          const core::ConnectionInfo& connection);

/// Refuses misdirected requests before they reach `inner`.
class SurfaceGuard final : public core::RequestSink {
 public:
  explicit SurfaceGuard(core::RequestSink& inner) : inner_(inner) {}
  core::HttpResponse handle(core::HttpRequest&& request,
                            const core::ConnectionInfo& connection) override;
  /// The same check; everything else (deferral to the worker pool, fault deliveries) is the
  /// inner sink's.
  std::optional<core::Answer> handle_or_defer(core::HttpRequest&& request,
                                              const core::ConnectionInfo& connection,
                                              const std::function<core::Respond()>& defer) override;
  core::HttpResponse reject(const core::ApiError& error, unsigned http_version,
                            const core::ConnectionInfo& connection) override {
    return inner_.reject(error, http_version, connection);
  }

 private:
  core::RequestSink& inner_;
};

}  // namespace kmslab::app
