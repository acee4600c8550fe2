#pragma once
// An in-process ARM for unit tests and the fuzz target: manual clock, seeded randomness,
// in-memory store, the emulator's services and a dispatcher, plus signed tokens.
#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <string>

#include "emulator/arm/service.hpp"
#include "emulator/core/dispatcher.hpp"
#include "emulator/identity/app_token.hpp"
#include "emulator/identity/jwt.hpp"
#include "emulator/identity/signing_key.hpp"
#include "tests/support/full_disk_store.hpp"

namespace kmslab::testing {

inline constexpr const char* kArmTenant = "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8";
inline constexpr const char* kArmSubscription = "3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";

struct ArmWorld {
  core::VirtualClock clock{core::VirtualClock::Mode::kManual,
                           *core::parse_rfc3339("2026-01-01T00:00:00Z")};
  core::SeededRng rng{1};
  core::Logger logger{nullptr, core::LogLevel::kError};
  core::MetricsRegistry metrics;
  std::unique_ptr<store::Store> backing = store::open_store("memory");
  FullDiskStore disk{*backing};  // a pass-through until a test fills the disk
  store::Store* store = &disk;
  keyvault::VaultRegistry vaults{*store};
  identity::Directory directory{*store, rng};
  identity::RoleAssignments assignments{*store};
  identity::SigningKey key = identity::SigningKey::load_or_create(*store);
  std::unique_ptr<arm::ArmService> arm;
  core::Router router;
  std::unique_ptr<core::Dispatcher> dispatcher;
  std::string arm_token = token("https://management.azure.com/");

  ArmWorld() : ArmWorld([](arm::ArmOptions&) {}) {}
  /// `configure` adjusts the options before the service is built (AKS control planes, subnets).
  explicit ArmWorld(const std::function<void(arm::ArmOptions&)>& configure) {
    arm::ArmOptions o;
    o.tenant_id = kArmTenant;
    o.subscription_id = kArmSubscription;
    o.default_resource_group = "kmslab";
    o.check_token = [this](std::string_view t) {
      return identity::jwt::verify(t, key, clock.now(), std::chrono::minutes(5));
    };
    configure(o);
    arm = std::make_unique<arm::ArmService>(*store, clock, rng, vaults, directory, assignments, o);
    arm->register_routes(router);
    dispatcher = std::make_unique<core::Dispatcher>(router, clock, rng, logger, metrics);
  }

  std::string token(const std::string& audience, const std::string& client = "app-1") {
    const auto claims = identity::app_token_claims({kArmTenant, client, audience}, clock.now(),
                                                   std::chrono::hours(1), "uti");
    return identity::jwt::sign(claims, key);
  }

  core::HttpResponse send(core::http::verb method, const std::string& target,
                          const std::string& body = {}, const std::string& bearer = "default") {
    core::HttpRequest req{method, target, 11};
    req.set(core::http::field::host, "127.0.0.1:8443");
    if (bearer == "default") {
      req.set(core::http::field::authorization, "Bearer " + arm_token);
    } else if (!bearer.empty()) {
      req.set(core::http::field::authorization, "Bearer " + bearer);
    }
    req.body() = body;
    req.prepare_payload();
    const core::ConnectionInfo conn{"127.0.0.1", 1, 2, true, "", ""};
    return dispatcher->handle(std::move(req), conn);
  }
};

}  // namespace kmslab::testing
