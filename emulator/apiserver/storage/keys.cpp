#include "emulator/apiserver/storage/keys.hpp"

namespace kmslab::apiserver::storage {

std::string normalise_prefix(std::string_view etcd_prefix) {
  std::string out;
  size_t i = 0;
  while (i < etcd_prefix.size()) {
    while (i < etcd_prefix.size() && etcd_prefix[i] == '/') ++i;
    const size_t end = etcd_prefix.find('/', i);
    const std::string_view segment =
        etcd_prefix.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    if (!segment.empty()) {
      out += '/';
      out += segment;
    }
    if (end == std::string_view::npos) break;
    i = end;
  }
  return out.empty() ? "/" : out;
}

namespace {

std::string join(const std::string& prefix, std::string_view rest) {
  return prefix == "/" ? "/" + std::string(rest) : prefix + "/" + std::string(rest);
}

}  // namespace

std::string object_key(const std::string& prefix, const ObjectRef& ref) {
  if (ref.ns.empty()) return join(prefix, ref.resource + "/" + ref.name);
  return join(prefix, ref.resource + "/" + ref.ns + "/" + ref.name);
}

std::string collection_prefix(const std::string& prefix, std::string_view resource,
                              std::string_view ns) {
  std::string rest(resource);
  rest += '/';
  if (!ns.empty()) {
    rest += ns;
    rest += '/';
  }
  return join(prefix, rest);
}

}  // namespace kmslab::apiserver::storage
