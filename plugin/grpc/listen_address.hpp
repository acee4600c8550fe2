#pragma once
// --listen-addr as upstream parses it (pkg/utils/grpc.go ParseEndpoint: "unix://" in any case,
// then a non-empty path), plus the Kubernetes convention that "/@name" is a Linux abstract
// socket (reference §1.4).
#include <optional>
#include <string>

namespace kmslab::plugin {

struct ListenAddress {
  std::string path;  // filesystem path, or the abstract name without '@'
  bool abstract = false;
  /// The target gRPC's C++ server understands: "unix:/path" or "unix-abstract:name".
  std::string grpc_target() const;
};

/// nullopt means upstream's "invalid endpoint: <ep>".
std::optional<ListenAddress> parse_listen_address(const std::string& endpoint);

/// Removes a stale socket file (upstream: os.Remove before listen). Returns an error message with
/// upstream's wording, empty on success.
std::string remove_stale_socket(const ListenAddress& address);

}  // namespace kmslab::plugin
