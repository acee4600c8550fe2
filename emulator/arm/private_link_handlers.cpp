// Private link: a vault's privateEndpointConnections and privateLinkResources, and the minimal
// Microsoft.Network/privateEndpoints that creates connections (same-tenant auto-approval for
// privateLinkServiceConnections, Pending for manualPrivateLinkServiceConnections).
// Private endpoints persist under /arm/pe/{lower(id)} as the JSON GET returns.
#include "emulator/arm/call.hpp"
#include "emulator/arm/errors.hpp"
#include "emulator/arm/json_fields.hpp"
#include "emulator/arm/vault_json.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;
using keyvault::PrivateEndpointConnection;

namespace {

const std::string kPePrefix = "/arm/pe/";
const char* kPeType = "Microsoft.Network/privateEndpoints";

struct LinkRequest {
  std::string name, vault, description;
  std::vector<std::string> group_ids;
  bool manual = false;
};

// Vault name from ".../providers/Microsoft.KeyVault/vaults/{name}", else "".
std::string vault_of(const std::string& id) {
  const auto parts = core::split_path(id);
  if (parts.size() != 8 || core::to_lower(std::string(parts[6])) != "vaults") return "";
  return std::string(parts[7]);
}

Result<std::vector<LinkRequest>> parse_links(const nlohmann::json* list, bool manual) {
  std::vector<LinkRequest> out;
  if (!list) return out;
  for (const auto& item : *list) {
    FieldReader r(item, "properties.privateLinkServiceConnections");
    LinkRequest link{r.str("name").value_or(""), "", "", {}, manual};
    const auto* props = r.object("properties");
    if (r.error()) return *r.error();
    FieldReader pr(props, "properties");
    const std::string service = pr.str("privateLinkServiceId").value_or("");
    link.group_ids = pr.strings("groupIds").value_or(std::vector<std::string>{});
    link.description = pr.str("requestMessage").value_or("");
    if (pr.error()) return *pr.error();
    link.vault = vault_of(service);
    if (link.vault.empty()) {
      return errors::bad_request("The private link service id '" + service + "' is invalid.");
    }
    out.push_back(std::move(link));
  }
  return out;
}

OrderedJson link_json(const std::string& pe_id, const LinkRequest& l, const std::string& vault_id) {
  return {{"name", l.name},
          {"id", pe_id +
                     (l.manual ? "/manualPrivateLinkServiceConnections/"
                               : "/privateLinkServiceConnections/") +
                     l.name},
          {"properties",
           {{"provisioningState", "Succeeded"},
            {"privateLinkServiceId", vault_id},
            {"groupIds", l.group_ids},
            {"privateLinkServiceConnectionState",
             {{"status", l.manual ? "Pending" : "Approved"},
              {"description", l.manual ? l.description : "Auto-Approved"},
              {"actionsRequired", "None"}}}}}};
}

}  // namespace

Result<Reply> ArmService::list_connections(Call& call) {
  auto vault = vault_in_group(call);
  if (!vault) return vault.error();
  OrderedJson value = OrderedJson::array();
  for (const auto& c : vault->private_endpoint_connections)
    value.push_back(connection_json(*vault, c));
  return Reply::ordered(OrderedJson{{"value", value}});
}

Result<Reply> ArmService::get_connection(Call& call) {
  auto vault = vault_in_group(call);
  if (!vault) return vault.error();
  for (const auto& c : vault->private_endpoint_connections) {
    if (core::to_lower(c.name) == core::to_lower(call.param("pec"))) {
      return Reply::ordered(connection_json(*vault, c));
    }
  }
  return errors::private_endpoint_connection_not_found(call.param("pec"));
}

// Approve / reject: properties.privateLinkServiceConnectionState.{status,description}.
Result<Reply> ArmService::put_connection(Call& call) {
  auto props = call.body_properties();
  if (!props) return props.error();
  FieldReader pr(*props, "properties");
  const auto* state = pr.object("privateLinkServiceConnectionState");
  if (pr.error()) return *pr.error();
  FieldReader sr(state, "privateLinkServiceConnectionState");
  auto status = sr.str("status");
  auto description = sr.str("description");
  if (sr.error()) return *sr.error();
  static const std::vector<std::string> kStatus = {"Pending", "Approved", "Rejected",
                                                   "Disconnected"};
  auto canonical = std::find_if(kStatus.begin(), kStatus.end(), [&](const auto& s) {
    return status && core::to_lower(s) == core::to_lower(*status);
  });
  if (canonical == kStatus.end()) return errors::bad_request("Invalid connection status.");
  std::lock_guard l(write_mu_);
  auto vault = vault_in_group(call);
  if (!vault) return vault.error();
  for (auto& c : vault->private_endpoint_connections) {
    if (core::to_lower(c.name) != core::to_lower(call.param("pec"))) continue;
    c.status = *canonical;
    if (description) c.description = *description;
    c.etag = "W/\"" + rng_.uuid() + "\"";
    vaults_.put(*vault);
    return Reply::ordered(connection_json(*vault, c));
  }
  return errors::private_endpoint_connection_not_found(call.param("pec"));
}

Result<Reply> ArmService::delete_connection(Call& call) {
  std::lock_guard l(write_mu_);
  auto vault = vault_in_group(call);
  if (!vault) return vault.error();
  auto& list = vault->private_endpoint_connections;
  auto it = std::find_if(list.begin(), list.end(), [&](const auto& c) {
    return core::to_lower(c.name) == core::to_lower(call.param("pec"));
  });
  if (it == list.end()) return Reply::empty(204);
  list.erase(it);
  vaults_.put(*vault);
  return Reply::empty(200);
}

Result<Reply> ArmService::list_private_link_resources(Call& call) {
  auto vault = vault_in_group(call);
  if (!vault) return vault.error();
  OrderedJson r = {{"id", vault->resource_id() + "/privateLinkResources/vault"},
                   {"name", "vault"},
                   {"type", "Microsoft.KeyVault/vaults/privateLinkResources"},
                   {"properties",
                    {{"groupId", "vault"},
                     {"requiredMembers", {"default"}},
                     {"requiredZoneNames", {"privatelink.vaultcore.azure.net"}}}}};
  return Reply::ordered(OrderedJson{{"value", {r}}});
}

Result<Reply> ArmService::put_private_endpoint(Call& call) {
  auto body = call.body();
  if (!body) return body.error();
  FieldReader r(*body, "");
  auto location = r.str("location");
  const auto* props = r.object("properties");
  if (r.error()) return *r.error();
  FieldReader pr(props, "properties");
  const auto* subnet = pr.object("subnet");
  auto links = parse_links(pr.array("privateLinkServiceConnections"), false);
  auto manual = parse_links(pr.array("manualPrivateLinkServiceConnections"), true);
  if (pr.error()) return *pr.error();
  if (!links) return links.error();
  if (!manual) return manual.error();
  FieldReader sr(subnet, "properties.subnet");
  const std::string subnet_id = sr.str("id").value_or("");
  if (sr.error()) return *sr.error();
  if (subnet_id.rfind("/subscriptions/", 0) != 0) {
    return errors::bad_request("The property 'properties.subnet.id' is required.");
  }
  if (!location) return errors::location_required();
  links->insert(links->end(), manual->begin(), manual->end());
  std::lock_guard l(write_mu_);
  auto group = group_of(call);
  if (!group) return group.error();
  const std::string id = "/subscriptions/" + options_.subscription_id + "/resourceGroups/" +
                         group->name + "/providers/" + kPeType + "/" + call.param("name");
  for (const auto& link : *links) {
    if (!vaults_.find(link.vault))
      return errors::bad_request("Vault '" + link.vault + "' not found.");
  }
  OrderedJson auto_list = OrderedJson::array(), manual_list = OrderedJson::array();
  for (const auto& link : *links) {
    auto vault = *vaults_.find(link.vault);
    (link.manual ? manual_list : auto_list).push_back(link_json(id, link, vault.resource_id()));
    auto& conns = vault.private_endpoint_connections;
    conns.erase(std::remove_if(conns.begin(), conns.end(),
                               [&](const auto& c) {
                                 return core::to_lower(c.private_endpoint_id) == core::to_lower(id);
                               }),
                conns.end());
    conns.push_back({call.param("name") + "." + rng_.uuid(), id, core::to_lower(subnet_id),
                     link.manual ? "Pending" : "Approved",
                     link.manual ? link.description : "Auto-Approved", "W/\"" + rng_.uuid() + "\"",
                     "Succeeded"});
    vaults_.put(vault);
  }
  OrderedJson pe = {{"name", call.param("name")},
                    {"id", id},
                    {"etag", "W/\"" + rng_.uuid() + "\""},
                    {"type", kPeType},
                    {"location", normalise_location(*location)},
                    {"properties",
                     {{"provisioningState", "Succeeded"},
                      {"subnet", {{"id", subnet_id}}},
                      {"privateLinkServiceConnections", auto_list},
                      {"manualPrivateLinkServiceConnections", manual_list},
                      {"networkInterfaces", OrderedJson::array()},
                      {"customDnsConfigs", OrderedJson::array()}}}};
  const bool existed = store_.get(kPePrefix + core::to_lower(id)).has_value();
  store_.put(kPePrefix + core::to_lower(id), pe.dump());
  return Reply::ordered(pe, existed ? 200 : 201);
}

Result<Reply> ArmService::get_private_endpoint(Call& call) {
  if (auto e = check_group(call)) return *e;
  const std::string id = "/subscriptions/" + options_.subscription_id + "/resourceGroups/" +
                         call.param("rg") + "/providers/" + kPeType + "/" + call.param("name");
  auto kv = store_.get(kPePrefix + core::to_lower(id));
  if (!kv) return errors::resource_not_found(kPeType, call.param("name"), call.param("rg"));
  return Reply{200, kv->value, "application/json; charset=utf-8", {}};
}

Result<Reply> ArmService::delete_private_endpoint(Call& call) {
  std::lock_guard l(write_mu_);
  if (auto e = check_group(call)) return *e;
  const std::string id =
      core::to_lower("/subscriptions/" + options_.subscription_id + "/resourceGroups/" +
                     call.param("rg") + "/providers/" + kPeType + "/" + call.param("name"));
  if (!store_.get(kPePrefix + id)) return Reply::empty(204);
  for (auto vault : vaults_.list()) {
    auto& conns = vault.private_endpoint_connections;
    const size_t before = conns.size();
    conns.erase(
        std::remove_if(conns.begin(), conns.end(),
                       [&](const auto& c) { return core::to_lower(c.private_endpoint_id) == id; }),
        conns.end());
    if (conns.size() != before) vaults_.put(vault);
  }
  store_.del(kPePrefix + id);
  return Reply::empty(200);
}

}  // namespace kmslab::arm
