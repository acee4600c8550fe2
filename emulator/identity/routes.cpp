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
  // The token routes run inside the guard (fault injection) when there is one.
  auto add_token = [&](std::string_view pattern, std::string name, Flavor flavor) {
    core::Handler h = [state, flavor](core::RequestContext& ctx) {
      return handlers::token(*state, ctx, flavor);
    };
    if (services.guard_token) h = services.guard_token(std::move(h));
    router.add(group, verb::post, pattern, std::move(name), std::move(h));
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
  add_token("/adfs/oauth2/token", "identity.adfs.token", Flavor::kAdfs);

  add(verb::get, "/{tenant}/discovery/instance", "identity.instance_discovery",
      handlers::instance_discovery);
  add(verb::get, "/{tenant}/v2.0/.well-known/openid-configuration", "identity.openid",
      with(Flavor::kV2, handlers::openid_configuration));
  add(verb::get, "/{tenant}/.well-known/openid-configuration", "identity.openid_v1",
      with(Flavor::kV1, handlers::openid_configuration));
  add(verb::get, "/{tenant}/discovery/v2.0/keys", "identity.keys", handlers::keys);
  add(verb::get, "/{tenant}/discovery/keys", "identity.keys_v1", handlers::keys);
  add_token("/{tenant}/oauth2/v2.0/token", "identity.token", Flavor::kV2);
  add_token("/{tenant}/oauth2/token", "identity.token_v1", Flavor::kV1);
}

}  // namespace kmslab::identity
