#pragma once
// Discovery: /api (APIVersions), /apis (APIGroupList: only the core group is served) and
// /api/v1 (APIResourceList from kinds.hpp). kubectl asks /api and /apis for aggregated discovery
// first and accepts these plain answers (reference kubectl.md).
#include "emulator/core/router.hpp"

namespace kmslab::apiserver::k8s {

void register_discovery(core::Router& router, core::Router::GroupId group);

}  // namespace kmslab::apiserver::k8s
