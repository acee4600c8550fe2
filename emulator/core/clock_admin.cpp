#include "emulator/core/clock_admin.hpp"

#include <variant>

#include "emulator/core/constant_time.hpp"
#include "emulator/core/json_input.hpp"

namespace kmslab::core {
namespace {

using nlohmann::json;
namespace protocol = clock_protocol;

int64_t whole_seconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

using Move = std::variant<Duration, TimePoint>;

// {"advance":"400d"} or {"set":"2027-01-01T00:00:00Z"}.
Result<Move> parse_move(const std::string& body) {
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
  const std::string text = v.get<std::string>();
  if (has_advance) {
    if (auto d = parse_duration(text)) return Move{*d};
    return errors::bad_parameter("'" + text +
                                 "' is not a duration: use forms such as 400d, 36h, 90m, 15s, "
                                 "250ms or 1d12h.");
  }
  if (auto t = parse_rfc3339(text)) return Move{*t};
  return errors::bad_parameter("'" + text +
                               "' is not an RFC 3339 time such as 2027-01-01T00:00:00Z.");
}

Result<Reply> move_clock(const ClockRoutes& r, const std::string& body) {
  if (!r.follows.empty()) {
    return ApiError{409,
                    "Conflict",
                    "This clock follows the virtual clock at " + r.follows +
                        "; move that one (POST " + r.follows + "/_kmslab/clock) instead.",
                    std::nullopt,
                    {}};
  }
  auto move = parse_move(body);
  if (!move) return move.error();
  const Move& m = *move;
  std::optional<MoveReport> report;
  if (r.hub) {
    report = std::holds_alternative<Duration>(m) ? r.hub->advance(std::get<Duration>(m))
                                                 : r.hub->set(std::get<TimePoint>(m));
  } else if (std::holds_alternative<Duration>(m)) {
    r.clock.advance(std::get<Duration>(m));
  } else {
    r.clock.set(std::get<TimePoint>(m));
  }
  if (r.changed) r.changed();
  json out = clock_state(r.clock);
  if (report) out["stepped"] = report->to_json();
  return Reply::json(out);
}

json subscriber_list(const ClockHub& hub) {
  json list = json::array();
  for (const auto& s : hub.subscribers()) {
    json j = {{"name", s.name}, {"step_url", s.step_url}, {"failed_moves", s.failed_moves}};
    j["next_due"] = s.next_due ? json(format_rfc3339(*s.next_due)) : json(nullptr);
    j["next_due_unix_nano"] = s.next_due ? json(protocol::to_unix_nano(*s.next_due)) : json();
    list.push_back(std::move(j));
  }
  return {{"subscribers", std::move(list)}};
}

Result<Reply> subscribe(ClockHub& hub, const VirtualClock& clock, const std::string& body) {
  auto parsed = protocol::parse_registration(body);
  if (auto* e = std::get_if<std::string>(&parsed)) return errors::bad_parameter(*e);
  auto& reg = std::get<protocol::Registration>(parsed);
  const std::string name = reg.name;
  bool replaced = false;
  if (std::string why = hub.subscribe(std::move(reg), &replaced); !why.empty())
    return errors::bad_parameter(why);
  json out = clock_state(clock);
  out["name"] = name;
  return Reply::json(out, replaced ? 200 : 201);
}

}  // namespace

json clock_state(const VirtualClock& clock) {
  const auto now = clock.now();
  const auto offset = clock.offset();
  return {{"now", format_rfc3339(now)},
          {"unix", whole_seconds(now.time_since_epoch())},
          {"unix_nano", protocol::to_unix_nano(now)},
          {"mode", clock.mode() == VirtualClock::Mode::kManual ? "manual" : "system"},
          {"offset_seconds", whole_seconds(offset)},
          {"offset_nano", std::chrono::duration_cast<std::chrono::nanoseconds>(offset).count()},
          {"pending_timers", clock.pending_timers()}};
}

void register_clock_routes(Router& router, Router::GroupId group, ClockRoutes r) {
  router.add(group, http::verb::get, "/_kmslab/clock", "admin.clock.get",
             [r](RequestContext&) -> Result<Reply> {
               json out = clock_state(r.clock);
               if (!r.follows.empty()) out["follows"] = r.follows;
               return Reply::json(out);
             });
  // Waits for every subscriber's steps, whose plugins call back into this process.
  router.add(
      group, http::verb::post, "/_kmslab/clock", "admin.clock.set",
      [r](RequestContext& ctx) { return move_clock(r, ctx.request.body()); },
      r.hub ? Router::Cost::kWaits : Router::Cost::kLight);
  if (!r.hub) return;
  ClockHub* hub = r.hub;
  VirtualClock* clock = &r.clock;
  router.add(
      group, http::verb::get, "/_kmslab/clock/subscribers", "admin.clock.subscribers",
      [hub](RequestContext&) -> Result<Reply> { return Reply::json(subscriber_list(*hub)); });
  router.add(
      group, http::verb::post, "/_kmslab/clock/subscribers", "admin.clock.subscribe",
      [hub, clock](RequestContext& ctx) { return subscribe(*hub, *clock, ctx.request.body()); });
  // The name in the query: names may hold '/' (a data directory), which a path segment cannot.
  router.add(
      group, http::verb::delete_, "/_kmslab/clock/subscribers", "admin.clock.unsubscribe",
      [hub](RequestContext& ctx) -> Result<Reply> {
        const auto name = ctx.query_param("name");
        if (!name) return errors::bad_parameter("The 'name' query parameter is required.");
        if (hub->unsubscribe(*name)) return Reply::empty(204);
        return ApiError{
            404, "NotFound", "No clock subscriber is named '" + *name + "'.", std::nullopt, {}};
      });
}

protocol::StepAnswer apply_step(VirtualClock& clock, TimePoint to) {
  const TimePoint now = clock.now();
  if (to >= now) {
    clock.advance(to - now);
  } else {
    clock.set(to);
  }
  return {clock.now(), clock.next_due()};
}

void register_clock_step_route(Router& router, VirtualClock& clock, std::string secret,
                               const std::string& path) {
  const auto group = router.add_group("clock-step", {"*"});
  router.add_filter(group, [secret](RequestContext& ctx) -> std::optional<ApiError> {
    if (constant_time_equal(ctx.request[http::field::authorization], "Bearer " + secret))
      return std::nullopt;
    return ApiError{401,
                    "Unauthorized",
                    "A clock step must carry the secret this process registered with.",
                    std::nullopt,
                    {}};
  });
  // The timers a step runs wait for their plugin calls: off the I/O threads.
  router.add(
      group, http::verb::post, path, "clock.step",
      [&clock](RequestContext& ctx) -> Result<Reply> {
        auto step = clock_protocol::parse_step_request(ctx.request.body());
        if (auto* e = std::get_if<std::string>(&step)) return errors::bad_parameter(*e);
        return Reply::json(
            to_json(apply_step(clock, std::get<clock_protocol::StepRequest>(step).now)));
      },
      Router::Cost::kWaits);
}

}  // namespace kmslab::core
