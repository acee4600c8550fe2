#pragma once
// A cluster's own etcd (--aks-cluster-store=etcd): one Debian etcd 3.4 member on loopback, its
// data in <cluster dir>/etcd/ (0700), its client URL published in <cluster dir>/etcd-endpoint so
// etcdctl can be pointed at it. Pure apart from the port probe, so each part is unit-tested.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace kmslab::aks {

struct EtcdPorts {
  uint16_t client = 0;
  uint16_t peer = 0;
};

/// The ports saved in <dir>/etcd/ports when both can still be bound on 127.0.0.1 (so a cluster
/// brought back after an emulator restart keeps its endpoint), else two free ports, saved there.
EtcdPorts etcd_ports(const std::filesystem::path& dir);
/// The saved ports' JSON ({"client":N,"peer":M}); both zero when `text` is not that.
EtcdPorts parse_etcd_ports(const std::string& text);

/// http://127.0.0.1:CLIENT: what the apiserver's --etcd-servers and etcdctl use.
std::string etcd_url(const EtcdPorts& ports);
/// http://127.0.0.1:CLIENT/health: 200 once the member has a leader (etcd's own health check).
std::string etcd_health_url(const EtcdPorts& ports);
/// <dir>/etcd-endpoint: the client URL and a newline.
std::filesystem::path etcd_endpoint_file(const std::filesystem::path& dir);

/// etcd's argv: a single member named "kmslab", data in <dir>/etcd/data, zap logs to stderr.
std::vector<std::string> etcd_args(const std::filesystem::path& dir, const EtcdPorts& ports);

}  // namespace kmslab::aks
