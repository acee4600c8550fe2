#include "emulator/app/incident/state_routes.hpp"

#include "emulator/app/incident/state_snapshot.hpp"
#include "emulator/core/constant_time.hpp"

namespace kmslab::app::incident {

void register_state_routes(core::Router& router, core::Router::GroupId admin, store::Store& store,
                           std::string admin_token) {
  router.add(
      admin, core::http::verb::get, "/_kmslab/state", "admin.state.export",
      [&store,
       token = std::move(admin_token)](core::RequestContext& ctx) -> core::Result<core::Reply> {
        const auto flag = ctx.query_param("include-key-material").value_or("false");
        if (flag != "true" && flag != "false") {
          return core::errors::bad_parameter("include-key-material must be true or false");
        }
        const bool material = flag == "true";
        if (material && !token.empty() &&
            !core::constant_time_equal(std::string(ctx.request[core::http::field::authorization]),
                                       "Bearer " + token)) {
          return core::ApiError{401,
                                "Unauthorized",
                                "key material needs the admin token (Authorization: "
                                "Bearer <--admin-token>)",
                                std::nullopt,
                                {}};
        }
        core::Reply reply = core::Reply::text(to_text(take(store, material)));
        reply.content_type = "application/json; charset=utf-8";
        return reply;
      });
}

}  // namespace kmslab::app::incident
