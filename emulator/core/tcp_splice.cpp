#include "emulator/core/tcp_splice.hpp"

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>

namespace kmslab::core {

namespace net = boost::asio;
using net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

net::awaitable<void> pump(tcp::socket& from, tcp::socket& to) {
  std::array<char, 16 * 1024> buffer;
  for (;;) {
    error_code ec;
    const size_t n = co_await from.async_read_some(net::buffer(buffer),
                                                   net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
    const auto piece = net::buffer(buffer.data(), n);
    co_await net::async_write(to, piece, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      from.close(ec);  // the other side is gone: nothing more from this one can be delivered
      break;
    }
  }
  error_code ignored;
  to.shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace

net::awaitable<void> splice(tcp::socket& a, tcp::socket& b) {
  // Boost 1.74 has no awaitable operators: the second direction runs as its own coroutine and
  // wakes this one (cancelling its timer) when it ends.
  auto executor = co_await net::this_coro::executor;
  auto done = std::make_shared<net::steady_timer>(executor, net::steady_timer::time_point::max());
  auto finished = std::make_shared<bool>(false);
  net::co_spawn(executor, pump(b, a), [done, finished](std::exception_ptr) {
    *finished = true;
    done->cancel();
  });
  co_await pump(a, b);
  if (!*finished) {
    error_code ec;
    co_await done->async_wait(net::redirect_error(net::use_awaitable, ec));
  }
}

}  // namespace kmslab::core
