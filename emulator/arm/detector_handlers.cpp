// Microsoft.ContainerService/managedClusters/{name}/detectors: the one detector kmslab models,
// "Azure KeyVault KMS Integration Issues" (O2, aks.md §4, D4), over emulator/aks/detector.hpp.
// The cluster's apiserver is asked through the control planes outside the write lock (it may
// take a few hundred milliseconds); the state it is judged against is read after.
#include "emulator/aks/detector_response.hpp"
#include "emulator/aks/errors.hpp"
#include "emulator/arm/call.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;

Result<aks::Diagnosis> ArmService::diagnose_cluster(const Call& call,
                                                    aks::ManagedCluster* cluster) {
  if (auto e = check_group(call)) return *e;
  auto c = find_cluster(call.param("rg"), call.param("name"));
  if (!c) return aks::errors::cluster_not_found(call.param("name"), call.param("rg"));
  std::optional<aks::ControlPlaneObservation> observed;
  if (!c->keys.empty() && !c->broken) observed = control_planes_->observe(c->lower_id());
  *cluster = std::move(*c);
  return aks::diagnose(*cluster, aks_context(), observed, options_.detector);
}

Result<Reply> ArmService::get_detector(Call& call) {
  if (core::to_lower(call.param("detector")) != aks::kKmsDetectorId) {
    return core::ApiError{404,
                          "DetectorNotFound",
                          "Detector '" + call.param("detector") +
                              "' was not found. kmslab serves the detector '" +
                              aks::kKmsDetectorId + "'.",
                          std::nullopt,
                          {}};
  }
  aks::ManagedCluster c;
  auto d = diagnose_cluster(call, &c);
  if (!d) return d.error();
  return Reply::ordered(aks::detector_resource(cluster_path(call), c, *d));
}

Result<Reply> ArmService::list_detectors(Call& call) {
  aks::ManagedCluster c;
  auto d = diagnose_cluster(call, &c);
  if (!d) return d.error();
  nlohmann::ordered_json value = nlohmann::ordered_json::array();
  value.push_back(aks::detector_resource(cluster_path(call), c, *d));
  return Reply::ordered(nlohmann::ordered_json{{"value", value}});
}

std::string ArmService::cluster_path(const Call& call) const {
  return "/subscriptions/" + call.param("sub") + "/resourceGroups/" + call.param("rg") +
         "/providers/Microsoft.ContainerService/managedClusters/" + call.param("name");
}

}  // namespace kmslab::arm
