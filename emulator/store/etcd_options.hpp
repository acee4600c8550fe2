#pragma once
// The `etcd://` store specification and kube-apiserver's --etcd-servers URLs.
#include <chrono>
#include <string>
#include <vector>

namespace kmslab::store {

struct EtcdOptions {
  std::vector<std::string> endpoints;  // host:port, tried in this order
  // The budget of one store call, every member it tries included (a gRPC deadline: real time).
  std::chrono::milliseconds timeout{5000};
};

/// "etcd://host:port[,host:port...][?timeout=SECONDS]" (the part after "etcd://"). Throws
/// StoreError naming the problem.
EtcdOptions parse_etcd_spec(const std::string& spec);

/// kube-apiserver's --etcd-servers list ("http://host:port" each) as an etcd:// store spec.
/// TLS (https://) and Unix sockets are refused with a StoreError saying so.
std::string etcd_spec_from_urls(const std::vector<std::string>& urls);

}  // namespace kmslab::store
