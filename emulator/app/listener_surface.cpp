#include "emulator/app/listener_surface.hpp"

#include <boost/asio/ip/address.hpp>

#include "emulator/core/router.hpp"

namespace kmslab::app {

std::string connection_host(const core::ConnectionInfo& connection) {
  if (!connection.tunnel_target.empty()) return core::host_without_port(connection.tunnel_target);
  if (!connection.tls) return {};
  // Some clients (wrk, older OpenSSL-based tools) send an IP literal as the server name, which
  // RFC 6066 forbids and which names no host: such a connection is one to an address.
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(connection.sni, ec);
  return ec ? core::to_lower(connection.sni) : std::string();
}

std::optional<core::ApiError> misdirected(std::string_view host_header,
                                          const core::ConnectionInfo& connection) {
  const std::string opened_for = connection_host(connection);
  const std::string host = core::host_without_port(host_header);
  if (opened_for.empty() || host_header.empty() || host == opened_for) return std::nullopt;
  return core::ApiError{421,
                        "MisdirectedRequest",
                        "This connection was opened for host '" + opened_for +
                            "' and cannot serve a request for host '" + host +
                            "': open a connection to '" + host + "' for it.",
                        std::nullopt,
                        {}};
}

core::HttpResponse SurfaceGuard::handle(core::HttpRequest&& request,
                                        const core::ConnectionInfo& connection) {
  if (auto error = misdirected(request[core::http::field::host], connection)) {
    return inner_.reject(*error, request.version(), connection);
  }
  return inner_.handle(std::move(request), connection);
}

std::optional<core::Answer> SurfaceGuard::handle_or_defer(
    core::HttpRequest&& request, const core::ConnectionInfo& connection,
    const std::function<core::Respond()>& defer) {
  if (auto error = misdirected(request[core::http::field::host], connection)) {
    return core::Answer{inner_.reject(*error, request.version(), connection), {}};
  }
  return inner_.handle_or_defer(std::move(request), connection, defer);
}

}  // namespace kmslab::app
