#include "emulator/core/admin.hpp"
#include "emulator/core/clock_admin.hpp"
#include "emulator/core/constant_time.hpp"

namespace kmslab::core {

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
  register_clock_routes(router, group, {s.clock, s.clock_changed, s.clock_hub, {}});
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
