#include "emulator/apiserver/k8s/discovery.hpp"

#include "emulator/apiserver/k8s/kinds.hpp"

namespace kmslab::apiserver::k8s {

using core::Reply;
using core::RequestContext;
using core::Result;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {

ordered_json resource_list() {
  ordered_json resources = ordered_json::array();
  for (const auto& k : served_kinds()) {
    ordered_json r = {{"name", k.resource},
                      {"singularName", k.singular},
                      {"namespaced", k.namespaced},
                      {"kind", k.kind},
                      {"verbs", k.verbs}};
    if (!k.short_names.empty()) r["shortNames"] = k.short_names;
    if (k.kind == "Pod") r["categories"] = {"all"};
    resources.push_back(r);
  }
  return {{"kind", "APIResourceList"}, {"groupVersion", "v1"}, {"resources", resources}};
}

}  // namespace

void register_discovery(core::Router& router, core::Router::GroupId group) {
  using core::http::verb;
  router.add(group, verb::get, "/api", "k8s.discovery", [](RequestContext& ctx) -> Result<Reply> {
    const std::string server = std::string(ctx.request[core::http::field::host]);
    return Reply::ordered({{"kind", "APIVersions"},
                           {"versions", {"v1"}},
                           {"serverAddressByClientCIDRs",
                            {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server}}}}});
  });
  router.add(group, verb::get, "/apis", "k8s.discovery", [](RequestContext&) -> Result<Reply> {
    return Reply::ordered(
        {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", json::array()}});
  });
  const ordered_json v1 = resource_list();
  router.add(group, verb::get, "/api/v1", "k8s.discovery",
             [v1](RequestContext&) -> Result<Reply> { return Reply::ordered(v1); });
}

}  // namespace kmslab::apiserver::k8s
