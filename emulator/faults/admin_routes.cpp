#include "emulator/faults/admin_routes.hpp"

#include "emulator/core/json_input.hpp"

namespace kmslab::faults {

namespace http = core::http;
using core::Reply;
using core::RequestContext;
using core::Result;

void register_fault_routes(core::Router& router, core::Router::GroupId admin,
                           FaultInjector& injector) {
  router.add(
      admin, http::verb::get, "/_kmslab/faults", "admin.faults.list",
      [&injector](RequestContext&) -> Result<Reply> { return Reply::ordered(injector.list()); });
  router.add(admin, http::verb::post, "/_kmslab/faults", "admin.faults.add",
             [&injector](RequestContext& ctx) -> Result<Reply> {
               const auto j = core::parse_untrusted_json(ctx.request.body());
               if (j.is_discarded()) return core::errors::bad_json("the fault rule is not JSON");
               auto rule = injector.add(j);
               if (!rule) return rule.error();
               return Reply::ordered(*rule, 201);
             });
  router.add(admin, http::verb::delete_, "/_kmslab/faults", "admin.faults.clear",
             [&injector](RequestContext&) -> Result<Reply> {
               return Reply::json({{"removed", injector.clear()}});
             });
  router.add(admin, http::verb::delete_, "/_kmslab/faults/{id}", "admin.faults.remove",
             [&injector](RequestContext& ctx) -> Result<Reply> {
               if (injector.remove(ctx.param("id"))) return Reply::empty(204);
               return core::ApiError{404,
                                     "NotFound",
                                     "No fault rule has the id '" + ctx.param("id") + "'.",
                                     std::nullopt,
                                     {}};
             });
}

}  // namespace kmslab::faults
