#pragma once
// GET /_kmslab/state[?include-key-material=true]: the emulator's whole state (state_snapshot.hpp),
// for `tools/kmslab incident export`. With an --admin-token, key material is only given to a
// request carrying it.
#include <string>

#include "emulator/core/router.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::app::incident {

void register_state_routes(core::Router& router, core::Router::GroupId admin, store::Store& store,
                           std::string admin_token);

}  // namespace kmslab::app::incident
