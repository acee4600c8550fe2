#pragma once
// Names the AKS resource provider derives: key identifiers, Kubernetes versions, the cluster's
// FQDN, node resource group and scale-set names, and the egress address range.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kmslab::aks {

/// https://{vault}.{dns suffix}[:port]/keys/{name}/{version}, versioned (the plugin needs all
/// three, aks.md §5 K1).
struct KeyIdParts {
  std::string vault, host, name, version;
};
std::optional<KeyIdParts> parse_key_id(const std::string& key_id);

/// The vault name of ".../providers/Microsoft.KeyVault/vaults/{name}", or nullopt.
std::optional<std::string> vault_of_resource_id(const std::string& id);

struct KubeVersion {
  int major = 0, minor = 0, patch = 0;
  std::string to_string() const;
  bool at_least(int maj, int min) const { return major > maj || (major == maj && minor >= min); }
};
/// "1.27" or "1.27.3"; nullopt otherwise. A minor-only version gets the patch AKS would pick
/// (a small table of AKS patch releases of the era [U]; ".0" beyond it).
std::optional<KubeVersion> parse_kube_version(const std::string& text);
/// The newest patch of 1.MINOR in that table; nullopt beyond it.
std::optional<int> latest_patch(int minor);
/// What `az aks get-upgrades` would offer from `from`: the next minor's patches, then newer
/// patches of its own minor, newest first (AKS lists the region's releases [U]: the table above).
std::vector<std::string> available_upgrades(const KubeVersion& from);

/// The default when a create sends kubernetesVersion "" (az 2.45 does) [U: AKS's default moves].
inline constexpr const char* kDefaultKubernetesVersion = "1.26.6";

/// 8 hex digits from the cluster's resource id: the FQDN's "{hash}" part. AKS's derivation is
/// not public [U]; a stable function of the id keeps the name the same across restarts.
std::string fqdn_hash(const std::string& lower_id);

/// MC_{rg}_{name}_{location} (the default nodeResourceGroup, python3-azure's ManagedCluster
/// model documents the field; the pattern is AKS's documented default).
std::string node_resource_group(const std::string& group, const std::string& name,
                                const std::string& location);

/// aks-{pool}-{8 digits}-vmss [U: the digits are a hash on AKS; here from the cluster id].
std::string scale_set_name(const std::string& pool, const std::string& lower_id);

/// Egress addresses: 127.64.0.1 .. 127.127.255.254, one per cluster, allocated in order
/// (documented range: loopback, so they stay on this machine). nullopt when exhausted.
std::optional<std::string> egress_address(uint32_t index);

}  // namespace kmslab::aks
