#pragma once
// The stored objects of an incident bundle's cluster, for a replay of a cluster that ran on its own
// etcd (--aks-cluster-store=etcd). manifest.json says which store the cluster used
// ("clusterStore": "etcd" | "embedded"); for etcd, stored-objects.json holds every key under
// /registry/ with its value as stored. --import-state checks them with the state, before anything
// is written, then leaves them in the cluster's directory for the supervisor, which puts them into
// the cluster's new etcd before its apiserver starts (aks/supervisor/etcd_seed.hpp says why that
// way). An embedded-store cluster's store comes as its own files (tools/kmslab incident replay
// copies cluster-store/), so a replay must run its clusters on the store the bundle's cluster used.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "emulator/aks/supervisor/etcd_seed.hpp"

namespace kmslab::app::incident {

inline constexpr const char* kStoredObjectsFile = "stored-objects.json";

struct ClusterObjects {
  std::string cluster_id;  // lower-case, as the control plane names the cluster's directory
  std::string store;       // "etcd", "embedded", or "" (not said: an ARM-only or older bundle)
  std::optional<std::vector<aks::StoredObject>> objects;  // for etcd, when the bundle has them
};

/// Reads the manifest's cluster and store and, for etcd, stored-objects.json. A bundle that is a
/// bare state file gives an empty result. Throws std::invalid_argument naming the file and what is
/// wrong (a malformed object among them).
ClusterObjects read_cluster_objects(const std::filesystem::path& bundle);

/// Throws std::invalid_argument saying which --aks-cluster-store to replay with when the bundle's
/// cluster used another store than `cluster_store` (with processes: `control_planes`).
void check_replay_store(const ClusterObjects& cluster, const std::string& control_planes,
                        const std::string& cluster_store);

/// The seed file for the supervisor (etcd_seed_file in the cluster's directory under
/// `data_dir`), written owner-only; empty when there is nothing to seed. Throws
/// std::invalid_argument when that cluster already has an etcd data directory (a replay seeds
/// only a new one), std::runtime_error when the file cannot be written.
std::filesystem::path write_etcd_seed(const ClusterObjects& cluster,
                                      const std::filesystem::path& data_dir);

}  // namespace kmslab::app::incident
