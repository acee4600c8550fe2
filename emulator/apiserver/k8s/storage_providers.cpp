#include "emulator/apiserver/k8s/storage_providers.hpp"

#include "emulator/apiserver/k8s/kinds.hpp"
#include "emulator/apiserver/k8s/status.hpp"

namespace kmslab::apiserver::k8s {

namespace {

using nlohmann::json;

constexpr std::string_view kEncrypted = "k8s:enc:";
// A prefix is five ':'-ended fields; provider and key names are short, so a longer head is not
// a prefix any transformer wrote.
constexpr size_t kPrefixScan = 256;
// One request reads at most this many values: a census of a large store answers incomplete
// rather than holding a connection (and the caller's lock) for long.
constexpr size_t kMaxValues = 200'000;

}  // namespace

std::string stored_prefix(std::string_view value) {
  if (!value.starts_with(kEncrypted)) return "identity";
  size_t at = 0;
  for (int field = 0; field < 5; ++field) {
    at = value.find(':', at);
    if (at == std::string_view::npos || at >= kPrefixScan) return "k8s:enc:unknown";
    ++at;
  }
  return std::string(value.substr(0, at));
}

json storage_providers(storage::ObjectStorage& storage, const std::vector<std::string>& resources,
                       size_t max_values) {
  json per_resource = json::object();
  size_t scanned = 0;
  bool complete = true;
  for (const auto& resource : resources) {
    json& counts = per_resource[resource] = json::object();
    if (!complete) continue;
    storage.scan(resource, [&](const store::KeyValue& kv) {
      if (scanned == max_values) {
        complete = false;
        return false;
      }
      ++scanned;
      auto& n = counts[stored_prefix(kv.value)];
      n = n.is_null() ? 1 : n.get<size_t>() + 1;
      return true;
    });
  }
  return {{"kind", "StorageProviders"},
          {"resources", per_resource},
          {"scanned", scanned},
          {"complete", complete}};
}

void register_storage_providers(core::Router& router, core::Router::GroupId group,
                                storage::ObjectStorage& storage) {
  router.add(group, core::http::verb::get, "/_kmslab/storage/providers", "kmslab.storage.providers",
             [&storage](core::RequestContext&) -> core::Result<core::Reply> {
               std::vector<std::string> resources;
               for (const auto& kind : served_kinds())
                 if (!kind.read_only) resources.push_back(kind.resource);
               try {
                 return core::Reply::json(storage_providers(storage, resources, kMaxValues));
               } catch (const store::StoreError& e) {
                 return to_reply(internal_error(e.what()));
               }
             });
}

}  // namespace kmslab::apiserver::k8s
