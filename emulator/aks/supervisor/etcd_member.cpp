#include "emulator/aks/supervisor/etcd_member.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "emulator/core/files.hpp"
#include "emulator/store/etcd_server_args.hpp"

namespace kmslab::aks {

namespace fs = std::filesystem;

namespace {

// Binds 127.0.0.1:port (0 = any) and returns the port bound, or 0 when it cannot be bound.
uint16_t bind_port(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // as etcd itself binds
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  uint16_t bound = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    bound = ntohs(a.sin_port);
  ::close(fd);
  return bound;
}

}  // namespace

EtcdPorts parse_etcd_ports(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  auto port = [&](const char* name) -> uint16_t {
    if (!j.is_object() || !j.contains(name) || !j[name].is_number_unsigned()) return 0;
    const auto v = j[name].get<uint64_t>();
    return v <= 65535 ? static_cast<uint16_t>(v) : 0;
  };
  EtcdPorts p{port("client"), port("peer")};
  if (p.client == 0 || p.peer == 0 || p.client == p.peer) return {};
  return p;
}

EtcdPorts etcd_ports(const fs::path& dir) {
  const fs::path file = dir / "etcd" / "ports";
  core::ensure_private_directory(dir / "etcd", "");
  EtcdPorts saved;
  std::error_code ec;
  if (fs::exists(file, ec)) {
    try {
      saved = parse_etcd_ports(core::read_file(file));
    } catch (const std::exception&) {
    }
  }
  if (saved.client != 0 && bind_port(saved.client) && bind_port(saved.peer)) return saved;
  EtcdPorts fresh;
  // Bounded: two distinct free ports come within a few tries on any machine with ports left.
  for (int i = 0; i < 16 && (fresh.client == 0 || fresh.peer == 0 || fresh.client == fresh.peer);
       ++i) {
    fresh.client = bind_port(0);
    fresh.peer = bind_port(0);
  }
  if (fresh.client == 0 || fresh.peer == 0 || fresh.client == fresh.peer)
    throw std::runtime_error("no free loopback ports for the cluster's etcd");
  core::write_file_atomic(
      file, nlohmann::json{{"client", fresh.client}, {"peer", fresh.peer}}.dump(), 0600);
  return fresh;
}

std::string etcd_url(const EtcdPorts& ports) {
  return "http://127.0.0.1:" + std::to_string(ports.client);
}

std::string etcd_health_url(const EtcdPorts& ports) {
  return etcd_url(ports) + "/health";
}

fs::path etcd_endpoint_file(const fs::path& dir) {
  return dir / "etcd-endpoint";
}

std::vector<std::string> etcd_args(const fs::path& dir, const EtcdPorts& ports) {
  store::EtcdServerSpec spec;
  spec.name = "kmslab";
  spec.data_dir = (dir / "etcd" / "data").string();
  spec.client_url = etcd_url(ports);
  spec.peer_url = "http://127.0.0.1:" + std::to_string(ports.peer);
  // One member: no peers to wait for, so short raft timers only shorten the first election.
  spec.heartbeat_ms = 50;
  spec.election_ms = 500;
  return store::etcd_server_args(spec);
}

}  // namespace kmslab::aks
