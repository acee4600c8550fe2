#pragma once
// Copies bytes both ways between two connected TCP sockets until both directions have ended (a
// half-close is passed on as shutdown(SHUT_WR)): the CONNECT proxy's passthrough tunnels.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace kmslab::core {

/// Returns once each direction has seen end-of-stream or an error. Closing either socket from
/// elsewhere (shutdown) ends both directions.
boost::asio::awaitable<void> splice(boost::asio::ip::tcp::socket& a,
                                    boost::asio::ip::tcp::socket& b);

}  // namespace kmslab::core
