#include "emulator/core/admin.hpp"
#include "emulator/core/constant_time.hpp"
#include "emulator/core/json_input.hpp"

namespace kmslab::core {

namespace {

nlohmann::json clock_state(const VirtualClock& clock) {
  const auto now = clock.now();
  return {
      {"now", format_rfc3339(now)},
      {"unix", std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()},
      {"mode", clock.mode() == VirtualClock::Mode::kManual ? "manual" : "system"},
      {"offset_seconds", std::chrono::duration_cast<std::chrono::seconds>(clock.offset()).count()},
      {"pending_timers", clock.pending_timers()}};
}

Result<Reply> move_clock(VirtualClock& clock, const std::string& body,
                         const std::function<void()>& changed) {
  const auto j = parse_untrusted_json(body);
  if (j.is_discarded() || !j.is_object()) {
    return errors::bad_json("expected an object such as {\"advance\":\"400d\"}");
  }
  const bool has_advance = j.contains("advance");
  const bool has_set = j.contains("set");
  if (has_advance == has_set) {
    return errors::bad_parameter(
        "Give exactly one of \"advance\" (a duration such as \"400d\", \"36h\", \"90m\", "
        "\"15s\") or \"set\" (an RFC 3339 time such as \"2027-01-01T00:00:00Z\").");
  }
  const auto& v = has_advance ? j["advance"] : j["set"];
  if (!v.is_string()) return errors::bad_parameter("The clock value must be a string.");
  if (has_advance) {
    auto d = parse_duration(v.get<std::string>());
    if (!d) {
      return errors::bad_parameter("'" + v.get<std::string>() +
                                   "' is not a duration: use forms such as 400d, 36h, 90m, 15s, "
                                   "250ms or 1d12h.");
    }
    clock.advance(*d);
  } else {
    auto t = parse_rfc3339(v.get<std::string>());
    if (!t) {
      return errors::bad_parameter("'" + v.get<std::string>() +
                                   "' is not an RFC 3339 time such as 2027-01-01T00:00:00Z.");
    }
    clock.set(*t);
  }
  if (changed) changed();
  return Reply::json(clock_state(clock));
}

}  // namespace

Filter admin_token_filter(std::string token) {
  return [token = std::move(token)](RequestContext& ctx) -> std::optional<ApiError> {
    const auto method = ctx.request.method();
    if (method == http::verb::get || method == http::verb::head) return std::nullopt;
    if (constant_time_equal(ctx.request[http::field::authorization], "Bearer " + token)) {
      return std::nullopt;
    }
    return ApiError{401,
                    "Unauthorized",
                    "This kmslab admin API requires 'Authorization: Bearer <token>' with the "
                    "token given to --admin-token.",
                    std::nullopt,
                    {}};
  };
}

Router::GroupId register_admin_routes(Router& router, AdminServices s) {
  const auto group = router.add_group("admin", {"*"});
  if (!s.token.empty()) router.add_filter(group, admin_token_filter(s.token));
  router.add(group, http::verb::get, "/_kmslab/health", "admin.health",
             [s](RequestContext& ctx) -> Result<Reply> {
               return Reply::json({{"status", "ready"},
                                   {"version", s.version},
                                   {"time", format_rfc3339(ctx.clock.now())}});
             });
  router.add(group, http::verb::get, "/_kmslab/clock", "admin.clock.get",
             [s](RequestContext&) -> Result<Reply> { return Reply::json(clock_state(s.clock)); });
  router.add(group, http::verb::post, "/_kmslab/clock", "admin.clock.set",
             [s](RequestContext& ctx) {
               return move_clock(s.clock, ctx.request.body(), s.clock_changed);
             });
  if (s.store_check) {
    router.add(group, http::verb::get, "/_kmslab/store", "admin.store",
               [s](RequestContext&) -> Result<Reply> {
                 const std::string problem = s.store_check();
                 return Reply::json({{"revision", s.store_revision()},
                                     {"integrity", problem.empty() ? "ok" : problem}},
                                    problem.empty() ? 200 : 500);
               });
  }
  router.add(group, http::verb::get, "/metrics", "admin.metrics",
             [s](RequestContext&) -> Result<Reply> {
               Reply r = Reply::text(s.metrics.render());
               r.content_type = "text/plain; version=0.0.4; charset=utf-8";
               return r;
             });
  return group;
}

}  // namespace kmslab::core
