#pragma once
// The command line of a Debian etcd 3.4 member that kmslab starts: a cluster's own etcd under
// the AKS supervisor, and the members the tests run. One place, so both start etcd alike.
#include <string>
#include <vector>

namespace kmslab::store {

struct EtcdServerSpec {
  std::string name;
  std::string data_dir;
  std::string client_url;       // http://127.0.0.1:2379, listened on and advertised
  std::string peer_url;         // http://127.0.0.1:2380, listened on and advertised
  std::string initial_cluster;  // "a=http://...,b=http://..."; empty: this member alone
  int heartbeat_ms = 100;       // etcd's defaults
  int election_ms = 1000;
  std::string log_output = "stderr";  // zap's output: "stderr" or a file
};

/// etcd's arguments (without the program name) for a new member described by `spec`.
std::vector<std::string> etcd_server_args(const EtcdServerSpec& spec);

}  // namespace kmslab::store
