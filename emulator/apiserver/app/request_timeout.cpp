#include "emulator/apiserver/app/request_timeout.hpp"

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "emulator/apiserver/k8s/request_deadline.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::apiserver::app {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

struct RequestTimeoutSink::Race {
  Race(const net::strand<net::any_io_executor>& strand, core::HttpRequest&& r,
       const core::ConnectionInfo& c)
      : timer(strand), request(std::move(r)), connection(c) {
    head.base() = request.base();
  }
  /// True for the first of the handler and the deadline, false for the other.
  bool claim() { return !answered.exchange(true); }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - started).count(); }

  net::steady_timer timer;    // used on the strand only
  core::HttpRequest request;  // moved into the handler when it runs
  core::HttpRequest head;     // the request's header, for the answers made here
  core::ConnectionInfo connection;
  core::Respond respond;
  Clock::time_point started = Clock::now();
  std::atomic<bool> answered{false};
};

RequestTimeoutSink::RequestTimeoutSink(core::Dispatcher& inner, core::TaskRunner& handlers,
                                       const net::any_io_executor& timers,
                                       core::Duration request_timeout)
    : inner_(inner),
      handlers_(handlers),
      timers_(net::make_strand(timers)),
      request_timeout_(request_timeout) {}

core::HttpResponse RequestTimeoutSink::handle(core::HttpRequest&& request,
                                              const core::ConnectionInfo& connection) {
  return inner_.handle(std::move(request), connection);
}

core::HttpResponse RequestTimeoutSink::reject(const core::ApiError& error, unsigned http_version,
                                              const core::ConnectionInfo& connection) {
  return inner_.reject(error, http_version, connection);
}

std::optional<core::Answer> RequestTimeoutSink::handle_or_defer(
    core::HttpRequest&& request, const core::ConnectionInfo& connection,
    const std::function<core::Respond()>& defer) {
  const std::string_view target = request.target();
  const size_t q = target.find('?');
  const auto path = core::percent_decode(target.substr(0, q), false);
  const auto query = core::parse_query(q == std::string_view::npos ? "" : target.substr(q + 1));
  // A URL the router refuses is answered at once; kmslab's own /_kmslab routes are not
  // kube-apiserver's and keep their own limits (a clock step waits for the timers it runs).
  if (!path || !query || path->starts_with("/_kmslab/") ||
      k8s::is_long_running(request.method_string(), *path, *query))
    return inner_.handle_or_defer(std::move(request), connection, defer);
  const auto timeout = k8s::request_timeout_of(*query, request_timeout_);
  if (auto* bad = std::get_if<k8s::Status>(&timeout))
    return core::Answer{
        inner_.reply_to(request, connection, k8s::to_reply(*bad), "k8s.deadline", 0), {}};
  auto race = std::make_shared<Race>(timers_, std::move(request), connection);
  const core::Duration limit = std::get<core::Duration>(timeout);
  if (limit <= core::Duration::zero()) {
    // --request-timeout=0: the deadline is the arrival, passed before the handler could start
    // (kube-apiserver's handler would meet a done context at its first storage call).
    return core::Answer{
        inner_.reply_to(race->head, connection, k8s::timeout_reply(), "k8s.timeout", 0), {}};
  }
  race->respond = defer();
  arm(race, race->started + std::chrono::duration_cast<Clock::duration>(limit));
  core::TaskRunner::Task task = [this, race] {
    // Timed out while queued: priority and fairness drops such a request unrun.
    if (race->answered || stopping_) return;
    core::HttpResponse response = inner_.handle(std::move(race->request), race->connection);
    if (!race->claim()) return;  // the 504 went first: this result is discarded
    net::post(timers_, [race] { race->timer.cancel(); });
    race->respond({std::move(response), {}});
  };
  if (handlers_.try_submit(task)) return std::nullopt;
  race->claim();
  net::post(timers_, [race] { race->timer.cancel(); });
  return core::Answer{
      inner_.reply_to(race->head, connection, k8s::too_many_requests_reply(), "k8s.busy", 0), {}};
}

void RequestTimeoutSink::arm(const std::shared_ptr<Race>& race, Clock::time_point deadline) {
  net::post(timers_, [this, race, deadline] {
    race->timer.expires_at(deadline);
    race->timer.async_wait([this, race](const boost::system::error_code& ec) {
      if (ec || !race->claim()) return;
      race->respond({inner_.reply_to(race->head, race->connection, k8s::timeout_reply(),
                                     "k8s.timeout", race->seconds()),
                     {}});
    });
  });
}

}  // namespace kmslab::apiserver::app
