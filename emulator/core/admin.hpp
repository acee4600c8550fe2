#pragma once
// The emulator's own admin API, served on every host under /_kmslab/ (and /metrics), so a test
// can reach it directly or through the proxy under a real Azure host name:
//   GET  /_kmslab/health   readiness
//   GET  /_kmslab/clock    the virtual time
//   POST /_kmslab/clock    {"advance":"400d"} or {"set":"2027-01-01T00:00:00Z"}
//   /_kmslab/clock/subscribers   processes that follow the clock (clock_admin.hpp)
//   GET  /_kmslab/store    the store's revision and integrity check (crash-consistency harness)
//   GET  /metrics          Prometheus text format
#include <functional>
#include <string>

#include "emulator/core/clock.hpp"
#include "emulator/core/clock_hub.hpp"
#include "emulator/core/metrics.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::core {

struct AdminServices {
  VirtualClock& clock;
  MetricsRegistry& metrics;
  std::string version;
  std::function<void()> clock_changed;  // persists the new time
  /// When set, requests that change state (not GET) must carry `Authorization: Bearer <token>`.
  std::string token;
  /// GET /_kmslab/store: the store's revision and a full integrity check ("" = sound).
  std::function<int64_t()> store_revision;
  std::function<std::string()> store_check;
  /// Steps the processes that follow this clock through every move (clock_hub.hpp); may be null.
  ClockHub* clock_hub = nullptr;
};

/// Returns the admin group, so that components can add their own /_kmslab/ routes under the
/// same token rule.
Router::GroupId register_admin_routes(Router& router, AdminServices services);

/// The --admin-token check every admin group shares: requests that change state (any method but
/// GET and HEAD) must carry `Authorization: Bearer <token>`. `token` must not be empty.
Filter admin_token_filter(std::string token);

}  // namespace kmslab::core
