#pragma once
// The body of POST /_kmslab/aks/processes/restart (managed_cluster_admin.cpp), parsed on its own
// so the fuzz target reaches it: {"cluster":"RG/NAME","process":"apiserver|kms-plugin|all",
// "signal":"KILL|TERM"} (signal defaults to KILL).
#include <string>

#include "emulator/core/http.hpp"

namespace kmslab::arm {

struct RestartRequest {
  std::string group, name, process, signal_name;
  int signal = 0;
};

/// The request, or a 400 saying what is wrong; never throws.
core::Result<RestartRequest> parse_restart_request(const std::string& body);

}  // namespace kmslab::arm
