#include "plugin/grpc/listen_address.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace kmslab::plugin {

std::string ListenAddress::grpc_target() const {
  return abstract ? "unix-abstract:" + path : "unix:" + path;
}

std::optional<ListenAddress> parse_listen_address(const std::string& endpoint) {
  std::string lower = endpoint.substr(0, 7);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lower != "unix://") return std::nullopt;
  std::string rest = endpoint.substr(7);
  if (rest.empty() || rest.find('\0') != std::string::npos) return std::nullopt;
  ListenAddress a;
  if (rest.starts_with("/@")) {
    a.abstract = true;
    a.path = rest.substr(2);
    if (a.path.empty()) return std::nullopt;
  } else {
    a.path = rest;
  }
  // sun_path holds 108 bytes including the terminator (or the leading NUL when abstract).
  if (a.path.size() > 107) return std::nullopt;
  return a;
}

std::string remove_stale_socket(const ListenAddress& address) {
  if (address.abstract) return {};  // abstract names vanish with their last holder
  struct stat st {};
  if (lstat(address.path.c_str(), &st) != 0) return {};
  if (!S_ISSOCK(st.st_mode)) {
    // Upstream removes whatever is there; refusing to delete a regular file is safer and clear.
    return "failed to remove socket file " + address.path + ": not a socket";
  }
  if (unlink(address.path.c_str()) != 0 && errno != ENOENT) {
    return "failed to remove socket file " + address.path + ": remove " + address.path + ": " +
           std::strerror(errno);
  }
  return {};
}

}  // namespace kmslab::plugin
