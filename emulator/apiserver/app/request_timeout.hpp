#pragma once
// kube-apiserver's request timeout in front of the routes (WithRequestDeadline and
// WithTimeoutForNonLongRunningRequests, k8s/request_deadline.hpp): the handler of a
// non-long-running request runs on a handler thread while a timer waits for its deadline, in
// real time (an answer is waited for in real time, whatever the virtual clock says). Whichever
// ends first answers; a handler that ends after the 504 has its result discarded, as
// kube-apiserver's goroutine does, and what it wrote stands (each write is one transaction,
// committed or not). KMS v1 plugin calls have their own timeout, not the request's, so a slow
// list keeps decrypting in the background until it ends.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include "emulator/core/clock.hpp"
#include "emulator/core/dispatcher.hpp"
#include "emulator/core/worker_pool.hpp"

namespace kmslab::apiserver::app {

class RequestTimeoutSink final : public core::RequestSink {
 public:
  /// `handlers` runs the handlers; `timers` the deadlines (the I/O threads' executor).
  RequestTimeoutSink(core::Dispatcher& inner, core::TaskRunner& handlers,
                     const boost::asio::any_io_executor& timers, core::Duration request_timeout);

  core::HttpResponse handle(core::HttpRequest&& request,
                            const core::ConnectionInfo& connection) override;
  std::optional<core::Answer> handle_or_defer(core::HttpRequest&& request,
                                              const core::ConnectionInfo& connection,
                                              const std::function<core::Respond()>& defer) override;
  core::HttpResponse reject(const core::ApiError& error, unsigned http_version,
                            const core::ConnectionInfo& connection) override;
  /// The server is stopping: handlers still queued are dropped unrun (their connections close).
  void stop() { stopping_ = true; }

 private:
  struct Race;  // one request: its handler against its deadline (request_timeout.cpp)
  void arm(const std::shared_ptr<Race>& race, std::chrono::steady_clock::time_point deadline);

  core::Dispatcher& inner_;
  core::TaskRunner& handlers_;
  boost::asio::strand<boost::asio::any_io_executor> timers_;
  const core::Duration request_timeout_;
  std::atomic<bool> stopping_{false};
};

}  // namespace kmslab::apiserver::app
