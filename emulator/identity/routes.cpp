#include "emulator/identity/routes.hpp"

#include <stdexcept>

#include "emulator/identity/handlers.hpp"

namespace kmslab::identity {

void register_identity_routes(core::Router& router, IdentityServices services) {
  using core::http::verb;
  using handlers::Flavor;
  if (!services.signing_key) throw std::invalid_argument("identity routes need a signing key");
  auto state = std::make_shared<const handlers::State>(
      handlers::State{services, services.signing_key->jwks()});
  const auto group = router.add_group("identity", services.hosts);
  auto add = [&](verb method, std::string_view pattern, std::string name, auto fn) {
    router.add(group, method, pattern, std::move(name),
               [state, fn](core::RequestContext& ctx) { return fn(*state, ctx); });
  };
  auto with = [](Flavor flavor, auto handler) {
    return [flavor, handler](const handlers::State& s, core::RequestContext& ctx) {
      return handler(s, ctx, flavor);
    };
  };
  // AD FS first: "/{tenant}/..." below would otherwise take "adfs" as a tenant name.
  add(verb::get, "/adfs/.well-known/openid-configuration", "identity.adfs.openid",
      with(Flavor::kAdfs, handlers::openid_configuration));
  add(verb::get, "/adfs/discovery/keys", "identity.adfs.keys", handlers::keys);
  add(verb::post, "/adfs/oauth2/token", "identity.adfs.token",
      with(Flavor::kAdfs, handlers::token));

  add(verb::get, "/{tenant}/discovery/instance", "identity.instance_discovery",
      handlers::instance_discovery);
  add(verb::get, "/{tenant}/v2.0/.well-known/openid-configuration", "identity.openid",
      with(Flavor::kV2, handlers::openid_configuration));
  add(verb::get, "/{tenant}/.well-known/openid-configuration", "identity.openid_v1",
      with(Flavor::kV1, handlers::openid_configuration));
  add(verb::get, "/{tenant}/discovery/v2.0/keys", "identity.keys", handlers::keys);
  add(verb::get, "/{tenant}/discovery/keys", "identity.keys_v1", handlers::keys);
  add(verb::post, "/{tenant}/oauth2/v2.0/token", "identity.token",
      with(Flavor::kV2, handlers::token));
  add(verb::post, "/{tenant}/oauth2/token", "identity.token_v1",
      with(Flavor::kV1, handlers::token));
}

}  // namespace kmslab::identity
