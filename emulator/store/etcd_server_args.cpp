#include "emulator/store/etcd_server_args.hpp"

namespace kmslab::store {

std::vector<std::string> etcd_server_args(const EtcdServerSpec& spec) {
  const std::string cluster =
      spec.initial_cluster.empty() ? spec.name + "=" + spec.peer_url : spec.initial_cluster;
  return {"--name",
          spec.name,
          "--data-dir",
          spec.data_dir,
          "--listen-client-urls",
          spec.client_url,
          "--advertise-client-urls",
          spec.client_url,
          "--listen-peer-urls",
          spec.peer_url,
          "--initial-advertise-peer-urls",
          spec.peer_url,
          "--initial-cluster",
          cluster,
          "--initial-cluster-state",
          "new",
          "--heartbeat-interval",
          std::to_string(spec.heartbeat_ms),
          "--election-timeout",
          std::to_string(spec.election_ms),
          "--logger",
          "zap",
          "--log-outputs",
          spec.log_output};
}

}  // namespace kmslab::store
