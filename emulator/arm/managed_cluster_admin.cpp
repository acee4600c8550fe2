// The AKS resource provider's admin routes (/_kmslab/aks/..., admin token): N2's grandfathering
// setting and the restart of a cluster's processes (scenarios/SCHEMA.md, `restart` step).
#include <signal.h>

#include "emulator/aks/errors.hpp"
#include "emulator/arm/cluster_restart.hpp"
#include "emulator/arm/service.hpp"
#include "emulator/core/json_input.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;
using nlohmann::json;

namespace {

const std::string kGrandfatherPrefix = "/aks/konnectivity-private/";

std::optional<std::string> string_field(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

Result<RestartRequest> parse_restart_request(const std::string& text) {
  const json body = core::parse_untrusted_json(text);
  const auto usage = core::errors::bad_parameter(
      "the body must be {\"cluster\": \"RESOURCE_GROUP/NAME\", \"process\": "
      "\"apiserver|kms-plugin|all\", \"signal\": \"KILL|TERM\"}");
  if (!body.is_object()) return usage;
  RestartRequest r;
  const auto cluster = string_field(body, "cluster");
  const auto process = string_field(body, "process");
  const auto signal = body.contains("signal") ? string_field(body, "signal") : "KILL";
  if (!cluster || !process || !signal) return usage;
  const auto slash = cluster->find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == cluster->size() ||
      cluster->find('/', slash + 1) != std::string::npos) {
    return core::errors::bad_parameter("cluster '" + *cluster +
                                       "' is not RESOURCE_GROUP/NAME (one '/')");
  }
  r.group = cluster->substr(0, slash);
  r.name = cluster->substr(slash + 1);
  if (*process != "apiserver" && *process != "kms-plugin" && *process != "all") {
    return core::errors::bad_parameter("process '" + *process +
                                       "' is not one of apiserver, kms-plugin, all");
  }
  r.process = *process;
  if (*signal == "KILL") {
    r.signal = SIGKILL;
  } else if (*signal == "TERM") {
    r.signal = SIGTERM;
  } else {
    return core::errors::bad_parameter("signal '" + *signal + "' is not one of KILL, TERM");
  }
  r.signal_name = *signal;
  return r;
}

bool ArmService::grandfathered() const {
  return store_.get(kGrandfatherPrefix + core::to_lower(options_.subscription_id)).has_value();
}

// 200 {"cluster": id, "process", "signal", "pids": [...]}: the processes signalled, which the
// supervisor starts again. 404: no such cluster; 409: none of its processes runs here (ARM-only
// control planes, a stopped or unrecoverable cluster).
Result<Reply> ArmService::restart_cluster_processes(const std::string& body) {
  auto r = parse_restart_request(body);
  if (!r) return r.error();
  auto c = find_cluster(r->group, r->name);
  if (!c) return aks::errors::cluster_not_found(r->name, r->group);
  auto pids = control_planes_->signal_processes(c->lower_id(), r->process, r->signal);
  if (!pids || pids->empty()) {
    return core::ApiError{409,
                          "Conflict",
                          "No " + (r->process == "all" ? std::string("process") : r->process) +
                              " of managed cluster '" + c->name +
                              "' is running here to restart (the cluster is stopped, "
                              "unrecoverable, or the emulator runs no control planes).",
                          std::nullopt,
                          {}};
  }
  return Reply::json(
      {{"cluster", c->id}, {"process", r->process}, {"signal", r->signal_name}, {"pids", *pids}});
}

// POST /_kmslab/aks/konnectivity-private-grandfathered {"enabled": bool}: N2's exception for
// this subscription (private vaults over Konnectivity until 1.30 leaves support); GET reads it.
// POST /_kmslab/aks/processes/restart: see restart_cluster_processes.
void ArmService::register_admin_routes(core::Router& router, core::Router::GroupId admin) {
  const std::string path = "/_kmslab/aks/konnectivity-private-grandfathered";
  router.add(admin, core::http::verb::get, path, "admin.aks.grandfathered.get",
             [this](core::RequestContext&) -> Result<Reply> {
               return Reply::json({{"enabled", grandfathered()}});
             });
  router.add(admin, core::http::verb::post, path, "admin.aks.grandfathered.set",
             [this](core::RequestContext& ctx) -> Result<Reply> {
               const auto j = core::parse_untrusted_json(ctx.request.body());
               if (!j.is_object() || !j.contains("enabled") || !j["enabled"].is_boolean()) {
                 return core::errors::bad_parameter("the body must be {\"enabled\": true|false}");
               }
               const std::string key =
                   kGrandfatherPrefix + core::to_lower(options_.subscription_id);
               if (j["enabled"].template get<bool>()) {
                 store_.put(key, "true");
               } else {
                 store_.del(key);
               }
               return Reply::json({{"enabled", grandfathered()}});
             });
  router.add(admin, core::http::verb::post, "/_kmslab/aks/processes/restart",
             "admin.aks.processes.restart", [this](core::RequestContext& ctx) -> Result<Reply> {
               return restart_cluster_processes(ctx.request.body());
             });
}

}  // namespace kmslab::arm
