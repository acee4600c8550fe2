#pragma once
// /healthz, /livez and /readyz as kube-apiserver's healthz package serves them
// (k8s.io/apiserver/pkg/server/healthz): "ok", or with ?verbose one "[+]name ok" line per check
// and "<endpoint> check passed"; a failing check makes the answer 500 with
// "[-]name failed: reason withheld" and "<endpoint> check failed"; ?exclude=name skips a check;
// /<endpoint>/<name> runs one check ("ok", or 500 "internal server error: <reason>").
// The KMS checks (kms-providers / kms-provider-N) join /healthz and /readyz, not /livez
// (reference kms.md §5.4).
#include <string>
#include <vector>

#include "emulator/apiserver/encryption/provider_set.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::apiserver::health {

struct Endpoint {
  std::string name;  // "healthz", "livez", "readyz"
  std::vector<encryption::HealthCheck> checks;
};

/// The text and status of an endpoint for a request's query.
core::Reply answer(const Endpoint& endpoint, const std::map<std::string, std::string>& query,
                   const std::vector<std::string>& excluded);

void register_health_routes(core::Router& router, core::Router::GroupId group,
                            std::vector<Endpoint> endpoints);

}  // namespace kmslab::apiserver::health
