#pragma once
// Microsoft.ContainerService/managedClusters on the wire (api-version 2022-11-01 as az 2.45
// sends it, python3-azure's v2022_11_01 models; 2025-07-01 for API Server VNet Integration):
// the PUT body read and type-checked, read-only fields dropped, fields the request's
// api-version does not know kept from the stored cluster (aks.md §7 item 9), the resource as
// GET returns it with every field of §1.7 az needs, agent pools, op-status and kubeconfigs.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "emulator/aks/cluster.hpp"
#include "emulator/aks/control_plane.hpp"
#include "emulator/arm/vault_json.hpp"
#include "emulator/core/http.hpp"
#include "emulator/identity/directory.hpp"

namespace kmslab::arm {

struct ClusterRequest {
  std::optional<std::string> location;
  nlohmann::json tags = nlohmann::json::object();
  nlohmann::json identity = nlohmann::json::object();  // {"type"} when absent: None
  nlohmann::json properties = nlohmann::json::object();
};

/// Reads a managedCluster PUT body: types of every field the RP acts on, enums canonicalised,
/// read-only fields removed. InvalidRequestContent / BadRequest naming the field otherwise.
core::Result<ClusterRequest> parse_cluster_request(const nlohmann::json& body);

/// One agentPoolProfiles entry (or an agentPools PUT's properties with `name`), checked.
core::Result<nlohmann::json> parse_agent_pool(const nlohmann::json& pool, const std::string& path);

/// Whether `api_version` carries apiServerAccessProfile.enableVnetIntegration / subnetId
/// (aks.md §1.3: the stable versions az 2.45 knows do not; 2025-07-01 does; the first stable
/// version with them is not pinned [U], so only 2025-07-01 and later count here).
bool knows_vnet_integration(const std::string& api_version);
/// Copies into `properties` what `api_version` cannot express from `stored`.
void keep_unknown_fields(const nlohmann::json& stored, nlohmann::json& properties,
                         const std::string& api_version);

struct ClusterView {
  const aks::ManagedCluster& cluster;
  const identity::Directory& directory;
  std::string subscription_id;
  std::string tenant_id;
};
OrderedJson cluster_json(const ClusterView& view);
/// .../agentPools/{name} (AgentPool: the profile's fields under properties).
OrderedJson agent_pool_json(const ClusterView& view, const nlohmann::json& pool);

/// The op-status body (aks-recorded.md §1): name, status, startTime[, endTime][, error].
OrderedJson operation_json(const aks::Operation& op);
/// The op-status `name`: the URL's GUID with its first three groups byte-swapped (.NET Guid
/// byte order), as every recorded AKS operation shows.
std::string swapped_guid(const std::string& guid);
/// Epoch milliseconds as AKS writes them: fractional seconds with trailing zeros trimmed.
std::string aks_time(int64_t epoch_ms);

/// A kubeconfig for the cluster: `server` is https://{fqdn}:443, or `loopback_url`.
std::string kubeconfig(const aks::ManagedCluster& cluster, const aks::ControlPlaneState* state,
                       bool admin, const std::string& server);

}  // namespace kmslab::arm
