#include "emulator/keyvault/service.hpp"

#include "emulator/identity/jwt.hpp"

namespace kmslab::keyvault {

KeyVaultService::KeyVaultService(store::Store& store, core::VirtualClock& clock, core::Rng& rng,
                                 VaultRegistry& vaults, KeyVaultOptions options)
    : store_(store),
      clock_(clock),
      rng_(rng),
      vaults_(vaults),
      keys_(store),
      options_(std::move(options)),
      audit_(options_.audit_retention ? std::make_unique<AuditLog>(store, options_.audit_retention)
                                      : nullptr),
      throttle_(options_.throttle, clock),
      started_(clock.now()) {}

KeyVaultService::~KeyVaultService() {
  // Timers scheduled on the clock may still fire (the clock outlives us): they see this and stop.
  timers_.stop();
}

// Fault rules name operations as the routes do, without the "keys." of the key routes:
// "encrypt", "wrapkey", "get", "create", "rotationpolicy.get", "deletedkeys.purge", "rng".
core::Handler KeyVaultService::with_faults(const std::string& route, core::Handler handler) {
  if (!options_.faults) return handler;
  std::string operation = route.rfind("keys.", 0) == 0 ? route.substr(5) : route;
  options_.faults->add_operations({operation});
  return options_.faults->guard(
      std::move(handler), [this, operation](const core::RequestContext& ctx) {
        faults::FaultTarget t{"keyvault", ctx.param("vault"),         ctx.param("name"), operation,
                              "",         ctx.connection.peer_address};
        // The access filter has verified the token already; its oid is only read here.
        if (options_.faults->wants_caller_id()) {
          const std::string_view header = ctx.request[core::http::field::authorization];
          if (header.size() > 7) {
            const auto jwt = identity::jwt::decode_unverified(header.substr(7));
            if (jwt && jwt->claims.is_object() && jwt->claims.contains("oid") &&
                jwt->claims["oid"].is_string()) {
              t.caller_object_id = jwt->claims["oid"].get<std::string>();
            }
          }
        }
        return t;
      });
}

}  // namespace kmslab::keyvault
