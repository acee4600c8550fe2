// The virtual network map: which subnet a caller's address is in. Set by --subnet at start and
// through the admin API; kept in the store so a restart keeps what the admin API set.
//   GET  /_kmslab/network/subnets   [{"range":"127.0.1.0/24","subnet":"/subscriptions/..."}]
//   POST /_kmslab/network/subnets   the same document: replaces the whole map
#include <stdexcept>

#include "emulator/app/emulator.hpp"
#include "emulator/core/json_input.hpp"

namespace kmslab::app {

namespace {

constexpr const char* kSubnetsKey = "/kmslab/subnets";

}  // namespace

void Emulator::load_subnets() {
  if (auto kv = store_->get(kSubnetsKey)) {
    subnets_.load_json(nlohmann::json::parse(kv->value));
  }
  for (const auto& entry : config_.subnets) {
    try {
      auto [range, subnet] = core::SubnetMap::parse_entry(entry);
      subnets_.set(range, subnet);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(std::string("--subnet: ") + e.what());
    }
  }
}

void Emulator::register_network_admin(core::Router::GroupId admin) {
  router_.add(admin, core::http::verb::get, "/_kmslab/network/subnets", "admin.subnets.get",
              [this](core::RequestContext&) -> core::Result<core::Reply> {
                return core::Reply::json(subnets_.to_json());
              });
  router_.add(admin, core::http::verb::post, "/_kmslab/network/subnets", "admin.subnets.set",
              [this](core::RequestContext& ctx) -> core::Result<core::Reply> {
                const auto j = core::parse_untrusted_json(ctx.request.body());
                core::SubnetMap parsed;
                try {
                  if (j.is_discarded()) throw std::invalid_argument("the body is not JSON");
                  parsed.load_json(j);
                } catch (const std::invalid_argument& e) {
                  return core::errors::bad_parameter(e.what());
                }
                store_->put(kSubnetsKey, parsed.to_json().dump());
                subnets_.load_json(parsed.to_json());
                return core::Reply::json(subnets_.to_json());
              });
}

}  // namespace kmslab::app
