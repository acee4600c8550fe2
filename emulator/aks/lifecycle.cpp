#include "emulator/aks/lifecycle.hpp"

#include "emulator/aks/names.hpp"

namespace kmslab::aks {

std::optional<KeySlot> update_keys(const ManagedCluster* old, ManagedCluster& next,
                                   const std::string& version, const LifecycleOptions& options) {
  next.keys = old ? old->keys : std::vector<KeySlot>{};
  const KmsSettings k = next.kms();
  if (!k.enabled) return std::nullopt;  // disable keeps every key as a reader
  const bool was_enabled = old && old->kms().enabled;
  auto v = parse_kube_version(version);
  const int protocol = v && v->at_least(1, 27) ? 2 : 1;
  // The key KMS last wrote with, enabled again after a disable (M1's change of the attached
  // vault's mode: disable, change the vault, enable with the same key), is no rotation: that
  // provider writes again under its name, nothing is dropped [U]. Only a protocol change while
  // disabled (an upgrade across 1.27, V3) needs a new provider.
  if (!next.keys.empty() && next.keys.front().key_id == k.key_id &&
      (was_enabled || next.keys.front().kms_api_version == protocol)) {
    next.keys.front().network_access = k.network_access;
    next.keys.front().resource_id = k.resource_id.value_or("");
    return std::nullopt;
  }
  std::optional<KeySlot> dropped;
  if (next.keys.size() >= 2) {
    dropped = next.keys.back();
    next.keys.pop_back();
  }
  const bool first_name_taken =
      !next.keys.empty() && next.keys.front().provider_name == options.provider_name;
  KeySlot slot{k.key_id, k.network_access, k.resource_id.value_or(""),
               first_name_taken ? options.second_provider_name : options.provider_name, protocol};
  next.keys.insert(next.keys.begin(), slot);
  return dropped;
}

ControlPlaneSpec spec_of(const ManagedCluster& cluster, const std::string& tenant_id,
                         const IdentityRef& identity, const LifecycleOptions& options) {
  ControlPlaneSpec spec;
  spec.cluster_id = cluster.lower_id();
  spec.kubernetes_version = cluster.current_kubernetes_version;
  spec.fqdn = cluster.fqdn();
  spec.tenant_id = tenant_id;
  spec.identity_client_id = identity.client_id;
  spec.identity_resource_id = identity.resource_id;
  spec.egress_address = cluster.egress_address;
  for (const auto& slot : cluster.keys) {
    KmsKey key;
    key.provider_name = slot.provider_name;
    key.key_id = slot.key_id;
    if (auto parts = parse_key_id(slot.key_id)) {
      key.vault_name = parts->vault;
      key.key_name = parts->name;
      key.key_version = parts->version;
    }
    key.private_access = slot.network_access == "Private";
    key.kms_api_version = slot.kms_api_version;
    key.cachesize = options.cachesize;
    spec.kms.push_back(std::move(key));
  }
  spec.identity_first = !cluster.kms().enabled && !cluster.keys.empty();
  if (!cluster.vnet_integration()) spec.pods.push_back("kube-system/konnectivity-agent");
  spec.running = !cluster.powered_off();
  return spec;
}

}  // namespace kmslab::aks
