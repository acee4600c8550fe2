#pragma once
// The clock's admin routes (clock_protocol.md), shared by the emulator and by processes with a
// clock of their own (kmslab-apiserver standalone):
//   GET  /_kmslab/clock                   the virtual time
//   POST /_kmslab/clock                   {"advance":"400d"} or {"set":"2027-01-01T00:00:00Z"}
// with a ClockHub (the emulator) also:
//   GET    /_kmslab/clock/subscribers        the processes that follow this clock
//   POST   /_kmslab/clock/subscribers        register (or re-register) one
//   DELETE /_kmslab/clock/subscribers?name=N  unregister one
// and, in a process that follows another's clock, the step endpoint that clock calls.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "emulator/core/clock.hpp"
#include "emulator/core/clock_hub.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::core {

struct ClockRoutes {
  VirtualClock& clock;
  std::function<void()> changed;  // persists the new time; may be empty
  ClockHub* hub = nullptr;        // steps subscribers through every move
  /// Non-empty: this clock follows the one at that URL, and refuses to be moved here.
  std::string follows;
};

/// GET /_kmslab/clock's body.
nlohmann::json clock_state(const VirtualClock& clock);

/// Adds the clock routes to `group` (whose filters guard them).
void register_clock_routes(Router& router, Router::GroupId group, ClockRoutes routes);

/// The follower's step endpoint, `POST path` in a group of its own that accepts only
/// `Authorization: Bearer <secret>` (the secret the follower registered with). A step runs the
/// clock's timers due by the step's instant, each at its deadline, and answers the next due one.
void register_clock_step_route(Router& router, VirtualClock& clock, std::string secret,
                               const std::string& path);

/// What a step does to a following clock: forward (or to the same instant) runs what is due by
/// `to`; backwards only sets the time, firing nothing. Returns the answer to send back.
clock_protocol::StepAnswer apply_step(VirtualClock& clock, TimePoint to);

}  // namespace kmslab::core
