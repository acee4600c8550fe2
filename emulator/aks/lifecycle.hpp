#pragma once
// What a cluster's processes must be (ControlPlaneSpec) after each accepted change:
// - KMS v2 when the Kubernetes version is 1.27 or newer at enable time, v1 before (V1);
// - rotation: the new key writes, the previous stays as a decrypt-only second provider, and the
//   next rotation drops the oldest (P7, R7);
// - disable: identity writes, the kms providers stay as readers (D2, L9);
// - a konnectivity-agent pod exactly when the cluster has no API Server VNet Integration (N3);
// - scaled to zero through the VMSS API: stopped, for good (L8).
// Provider names: a key keeps the provider name it was first written under (its data carries
// that prefix, kms.md); the first key is "azurekmsprovider", a second key alongside it takes the
// configurable second name [U: AKS's names are not public].
#include <optional>
#include <string>

#include "emulator/aks/cluster.hpp"
#include "emulator/aks/control_plane.hpp"

namespace kmslab::aks {

struct LifecycleOptions {
  std::string provider_name = "azurekmsprovider";
  std::string second_provider_name = "azurekmsprovider-2";  // [U]
  int cachesize = 1000;                                     // KMS v1 only [U]
};

/// Updates `next.keys` for its KMS settings against `old` (null on create) at Kubernetes
/// version `version` (MAJOR.MINOR.PATCH). Returns the key a rotation dropped, if any.
std::optional<KeySlot> update_keys(const ManagedCluster* old, ManagedCluster& next,
                                   const std::string& version, const LifecycleOptions& options);

struct IdentityRef {
  std::string client_id, resource_id;
};

ControlPlaneSpec spec_of(const ManagedCluster& cluster, const std::string& tenant_id,
                         const IdentityRef& identity, const LifecycleOptions& options);

}  // namespace kmslab::aks
