#pragma once
// The fault rules' admin API, in the admin group (so --admin-token guards every change):
//   GET    /_kmslab/faults        {"value":[rule, ...]}
//   POST   /_kmslab/faults        a rule (rule.hpp) -> 201 with its id; 400 for a bad rule
//   DELETE /_kmslab/faults/{id}   204, or 404 for an unknown id
//   DELETE /_kmslab/faults        {"removed": n}
#include "emulator/core/router.hpp"
#include "emulator/faults/injector.hpp"

namespace kmslab::faults {

void register_fault_routes(core::Router& router, core::Router::GroupId admin,
                           FaultInjector& injector);

}  // namespace kmslab::faults
