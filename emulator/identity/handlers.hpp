#pragma once
// Internal to emulator/identity: the handlers routes.cpp registers.
#include <nlohmann/json.hpp>

#include "emulator/core/router.hpp"
#include "emulator/identity/routes.hpp"

namespace kmslab::identity::handlers {

/// The flavours of authority: v2.0 and v1.0 Entra ID endpoints, and AD FS ("/adfs").
enum class Flavor { kV2, kV1, kAdfs };

/// What every handler shares, built once at registration.
struct State {
  IdentityServices services;
  nlohmann::json jwks;
};

core::Result<core::Reply> instance_discovery(const State& state, core::RequestContext& ctx);
core::Result<core::Reply> openid_configuration(const State& state, core::RequestContext& ctx,
                                               Flavor flavor);
core::Result<core::Reply> keys(const State& state, core::RequestContext& ctx);
core::Result<core::Reply> token(const State& state, core::RequestContext& ctx, Flavor flavor);

}  // namespace kmslab::identity::handlers
