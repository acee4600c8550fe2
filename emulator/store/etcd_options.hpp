#pragma once
// The `etcd://` and `etcd+tls://` store specifications and kube-apiserver's --etcd-servers URLs.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace kmslab::store {

/// TLS to etcd, as kube-apiserver's --etcd-cafile/--etcd-certfile/--etcd-keyfile: "" = not given
/// (no CA file: the system's roots; no certificate and key: no client certificate).
struct EtcdTls {
  std::string ca_file, cert_file, key_file;
};

struct EtcdOptions {
  std::vector<std::string> endpoints;  // host:port, tried in this order
  // The budget of one store call, every member it tries included (a gRPC deadline: real time).
  std::chrono::milliseconds timeout{5000};
  std::optional<EtcdTls> tls;  // set: every member is dialled over TLS
};

/// "etcd://host:port[,host:port...][?timeout=SECONDS]", or over TLS
/// "etcd+tls://host:port[,...][?timeout=SECONDS][&ca=PATH][&cert=PATH][&key=PATH]" (a path's
/// '%' and '&' written %25 and %26). Throws StoreError naming the problem.
EtcdOptions parse_etcd_spec(const std::string& spec);

/// kube-apiserver's --etcd-servers list as a store spec: "http://host:port" each gives etcd://,
/// "https://host:port" each gives etcd+tls:// with `tls`'s files (etcd's clientv3 dials http://
/// members without TLS whatever files it is given, so they are not used then). Unix sockets and
/// a list mixing http and https are refused with a StoreError saying so.
std::string etcd_spec_from_urls(const std::vector<std::string>& urls, const EtcdTls& tls = {});

}  // namespace kmslab::store
