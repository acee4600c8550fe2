#include "emulator/app/incident/cluster_objects.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "emulator/aks/supervisor/cluster_files.hpp"
#include "emulator/app/incident/state_snapshot.hpp"
#include "emulator/core/files.hpp"

namespace kmslab::app::incident {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void bad(const std::string& what) {
  throw std::invalid_argument(what);
}

std::string read(const fs::path& path) {
  try {
    return core::read_file(path);
  } catch (const std::runtime_error& e) {
    bad(path.string() + ": " + e.what());
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

ClusterObjects read_cluster_objects(const fs::path& bundle) {
  ClusterObjects out;
  std::error_code ec;
  if (!fs::is_directory(bundle, ec)) return out;
  const fs::path manifest_path = bundle / kManifestFile;
  const auto m = nlohmann::json::parse(read(manifest_path), nullptr, false);
  if (!m.is_object()) bad(manifest_path.string() + ": not a JSON object");
  if (m.contains("cluster") && m["cluster"].is_string())
    out.cluster_id = lower(m["cluster"].get<std::string>());
  if (m.contains("clusterStore") && !m["clusterStore"].is_null()) {
    if (!m["clusterStore"].is_string() ||
        (m["clusterStore"] != "etcd" && m["clusterStore"] != "embedded"))
      bad(manifest_path.string() + ": \"clusterStore\" must be \"etcd\", \"embedded\" or null");
    out.store = m["clusterStore"].get<std::string>();
  }
  if (out.store == "etcd" && out.cluster_id.empty())
    bad(manifest_path.string() + ": \"clusterStore\" needs the \"cluster\" it belongs to");
  const fs::path objects = bundle / kStoredObjectsFile;
  if (out.store != "etcd" || !fs::exists(objects, ec)) return out;
  try {
    out.objects = aks::parse_stored_objects(read(objects));
  } catch (const std::invalid_argument& e) {
    bad(objects.string() + ": " + e.what());
  }
  return out;
}

void check_replay_store(const ClusterObjects& cluster, const std::string& control_planes,
                        const std::string& cluster_store) {
  if (cluster.store.empty() || control_planes == "none" || cluster.store == cluster_store) return;
  if (cluster.store == "etcd")
    bad("the bundle's cluster ran on its own etcd (manifest.json \"clusterStore\": \"etcd\"): "
        "replay it with --aks-cluster-store=etcd, which puts its stored objects into the "
        "replayed cluster's new etcd (tools/kmslab incident replay adds the flag)");
  bad("the bundle's cluster used the embedded store (manifest.json \"clusterStore\": "
      "\"embedded\", its store in cluster-store/): replay it with --aks-cluster-store=embedded");
}

fs::path write_etcd_seed(const ClusterObjects& cluster, const fs::path& data_dir) {
  if (cluster.store != "etcd" || !cluster.objects || cluster.objects->empty()) return {};
  const fs::path dir = data_dir / "clusters" / aks::cluster_dir_name(cluster.cluster_id);
  std::error_code ec;
  if (fs::exists(dir / "etcd" / "data", ec))
    bad("cluster " + cluster.cluster_id + " already has an etcd (" + (dir / "etcd").string() +
        "): a replay seeds only a new one");
  core::ensure_private_directory(data_dir / "clusters", "");
  core::ensure_private_directory(dir, "");
  const fs::path seed = aks::etcd_seed_file(dir);
  core::write_file_atomic(seed, aks::stored_objects_json(*cluster.objects), 0600);
  return seed;
}

}  // namespace kmslab::app::incident
