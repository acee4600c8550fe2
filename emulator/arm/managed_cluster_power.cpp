// az aks stop / az aks start: POST managedClusters/{name}/stop|start (api 2022-11-01, python3-azure
// begin_stop/begin_start: 202 or 204, ARMPolling with final-state-via location). The operation
// runs as a cluster operation (provisioningState Stopping|Starting, op-status, then the Location
// URL answers 204) and ends when the cluster's processes have stopped or serve again; the
// cluster's data (its apiserver's store) stays, so its secrets read after the start.
#include "emulator/aks/errors.hpp"
#include "emulator/arm/call.hpp"
#include "emulator/arm/service.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;

Result<Reply> ArmService::stop_cluster(Call& call) {
  return power_cluster(call, false);
}

Result<Reply> ArmService::start_cluster(Call& call) {
  return power_cluster(call, true);
}

Result<Reply> ArmService::power_cluster(Call& call, bool start) {
  aks::ManagedCluster c;
  {
    std::lock_guard l(write_mu_);
    if (auto e = check_group(call)) return *e;
    auto found = find_cluster(call.param("rg"), call.param("name"));
    if (!found) return aks::errors::cluster_not_found(call.param("name"), call.param("rg"));
    if (found->broken) return aks::errors::cluster_unrecoverable(found->name, found->broken_reason);
    if (found->operation.running())
      return aks::errors::operation_in_progress(found->operation.running_state);
    if (found->stopped != start) {
      return aks::errors::power_state_conflict(found->provisioning_state,
                                               found->stopped ? "Stopped" : "Running", start);
    }
    if (found->kms().enabled && found->kms().private_access() && !found->vnet_integration())
      return aks::errors::stop_private_vault_without_vnet(found->name, start);
    c = std::move(*found);
    c.stopped = !start;
    c.operation = aks::Operation{};
    c.operation.id = rng_.uuid();
    c.operation.start =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
            .count();
    c.operation.running_state = start ? "Starting" : "Stopping";
    c.provisioning_state = c.operation.running_state;
    save_cluster(c);
  }
  apply_cluster(c);
  Reply reply = with_operation_headers(call, Reply::empty(202), c);
  reply.headers.emplace_back("Location",
                             call.base_url() + "/subscriptions/" + options_.subscription_id +
                                 "/providers/Microsoft.ContainerService/locations/" + c.location +
                                 "/operationresults/" + c.operation.id + "?api-version=2016-03-30");
  return reply;
}

}  // namespace kmslab::arm
