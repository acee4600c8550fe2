#pragma once
// Where kube-apiserver keeps each object: <prefix>/<resource>/<namespace>/<name> for namespaced
// resources and <prefix>/<resource>/<name> for cluster-scoped ones, with --etcd-prefix
// (default "/registry") normalised as path.Join("/", prefix) does (reference kms.md §2.3).
#include <string>
#include <string_view>

namespace kmslab::apiserver::storage {

/// Which object: the resource as kube-apiserver names it in keys ("secrets", "namespaces"), the
/// namespace ("" for cluster-scoped resources) and the name.
struct ObjectRef {
  std::string resource;
  std::string ns;
  std::string name;
};

/// "registry", "/registry/", "//registry" -> "/registry"; "" and "/" -> "/".
std::string normalise_prefix(std::string_view etcd_prefix);

/// "/registry/secrets/default/s1" (namespaced) or "/registry/namespaces/default".
std::string object_key(const std::string& prefix, const ObjectRef& ref);

/// The keys a LIST reads: "/registry/secrets/default/" for one namespace, "/registry/secrets/"
/// for all namespaces (and for a cluster-scoped resource).
std::string collection_prefix(const std::string& prefix, std::string_view resource,
                              std::string_view ns);

}  // namespace kmslab::apiserver::storage
