// ARM's own endpoints: cloud metadata, subscriptions, tenants, providers, resource groups and
// the generic resource list.
#include "emulator/arm/call.hpp"
#include "emulator/arm/errors.hpp"
#include "emulator/arm/json_fields.hpp"
#include "emulator/arm/vault_json.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;

namespace {

// The namespaces kmslab serves and their resource types (Providers_Get shape).
const std::vector<std::pair<std::string, std::vector<std::string>>> kProviders = {
    {"Microsoft.KeyVault",
     {"vaults", "deletedVaults", "locations/deletedVaults", "checkNameAvailability",
      "vaults/accessPolicies"}},
    {"Microsoft.ManagedIdentity", {"userAssignedIdentities"}},
    {"Microsoft.Authorization", {"roleAssignments", "roleDefinitions"}},
    {"Microsoft.Network", {"privateEndpoints"}},
    {"Microsoft.ContainerService", {"managedClusters"}},
};

OrderedJson provider_json(const std::string& sub, const std::string& ns,
                          const std::vector<std::string>& types, const std::string& region) {
  OrderedJson list = OrderedJson::array();
  for (const auto& t : types) {
    list.push_back(
        {{"resourceType", t}, {"locations", {region}}, {"apiVersions", OrderedJson::array()}});
  }
  return {{"id", "/subscriptions/" + sub + "/providers/" + ns},
          {"namespace", ns},
          {"registrationState", "Registered"},
          {"registrationPolicy", "RegistrationRequired"},
          {"resourceTypes", list}};
}

OrderedJson group_json(const std::string& sub, const ResourceGroup& g) {
  return {{"id", "/subscriptions/" + sub + "/resourceGroups/" + g.name},
          {"name", g.name},
          {"type", "Microsoft.Resources/resourceGroups"},
          {"location", g.location},
          {"tags", g.tags},
          {"properties", {{"provisioningState", "Succeeded"}}}};
}

}  // namespace

// GET /metadata/endpoints: what `az cloud register` reads when not given every endpoint
// (msrestazure _populate_from_metadata_endpoint). Endpoints point back at this host.
Result<Reply> ArmService::metadata_endpoints(Call& call) {
  const std::string base = call.base_url();
  return Reply::ordered(OrderedJson{
      {"galleryEndpoint", base + "/"},
      {"graphEndpoint", base + "/"},
      {"portalEndpoint", base + "/"},
      {"authentication", {{"loginEndpoint", base + "/adfs"}, {"audiences", {base + "/"}}}},
      {"microsoftGraphResourceId", base + "/"},
      {"suffixes", {{"keyVaultDns", options_.vault_dns_suffix}}}});
}

static OrderedJson subscription_json(const ArmOptions& o) {
  return {{"id", "/subscriptions/" + o.subscription_id},
          {"authorizationSource", "RoleBased"},
          {"managedByTenants", OrderedJson::array()},
          {"subscriptionId", o.subscription_id},
          {"tenantId", o.tenant_id},
          {"displayName", o.subscription_name},
          {"state", "Enabled"},
          {"subscriptionPolicies",
           {{"locationPlacementId", "Public_2014-09-01"},
            {"quotaId", "PayAsYouGo_2014-09-01"},
            {"spendingLimit", "Off"}}}};
}

Result<Reply> ArmService::list_subscriptions(Call&) {
  return Reply::ordered(OrderedJson{{"value", {subscription_json(options_)}},
                                    {"count", {{"type", "Total"}, {"value", 1}}}});
}

Result<Reply> ArmService::get_subscription(Call&) {
  return Reply::ordered(subscription_json(options_));
}

Result<Reply> ArmService::list_tenants(Call&) {
  OrderedJson t = {{"id", "/tenants/" + options_.tenant_id},
                   {"tenantId", options_.tenant_id},
                   {"tenantCategory", "Home"},
                   {"displayName", "kmslab"},
                   {"domains", {"kmslab.onmicrosoft.com"}}};
  return Reply::ordered(OrderedJson{{"value", {t}}});
}

Result<Reply> ArmService::list_providers(Call&) {
  OrderedJson value = OrderedJson::array();
  for (const auto& [ns, types] : kProviders) {
    value.push_back(provider_json(options_.subscription_id, ns, types, options_.region));
  }
  return Reply::ordered(OrderedJson{{"value", value}});
}

Result<Reply> ArmService::get_provider(Call& call) {
  for (const auto& [ns, types] : kProviders) {
    if (core::to_lower(ns) == core::to_lower(call.param("ns"))) {
      return Reply::ordered(provider_json(options_.subscription_id, ns, types, options_.region));
    }
  }
  return errors::provider_not_found(call.param("ns"));
}

Result<Reply> ArmService::register_provider(Call& call) {
  return get_provider(call);  // every provider kmslab serves is registered
}

Result<Reply> ArmService::list_groups(Call&) {
  OrderedJson value = OrderedJson::array();
  for (const auto& g : groups_.list()) value.push_back(group_json(options_.subscription_id, g));
  return Reply::ordered(OrderedJson{{"value", value}});
}

Result<Reply> ArmService::get_group(Call& call) {
  auto g = groups_.find(call.param("rg"));
  if (!g) return errors::resource_group_not_found(call.param("rg"));
  return Reply::ordered(group_json(options_.subscription_id, *g));
}

// ResourceGroups_CheckExistence: 204 or 404, no body.
Result<Reply> ArmService::head_group(Call& call) {
  return Reply::empty(groups_.find(call.param("rg")) ? 204 : 404);
}

Result<Reply> ArmService::put_group(Call& call) {
  const std::string& name = call.param("rg");
  if (!is_valid_group_name(name)) return errors::invalid_resource_group_name(name);
  auto body = call.body();
  if (!body) return body.error();
  auto tracked = read_tracked_body(*body, false);
  if (!tracked) return tracked.error();
  const auto& location = tracked->location;
  const auto* tags = &tracked->tags;
  if (!location) return errors::location_required();
  std::lock_guard l(write_mu_);
  auto existing = groups_.find(name);
  ResourceGroup g{existing ? existing->name : name, normalise_location(*location), *tags};
  if (existing && existing->location != g.location) {
    return errors::bad_request("Invalid resource group location '" + g.location +
                               "'. The Resource group already exists in location '" +
                               existing->location + "'.");
  }
  groups_.put(g);
  return Reply::ordered(group_json(options_.subscription_id, g), existing ? 200 : 201);
}

// ResourceGroups_Delete (LRO, 202 + Location): the group's vaults are deleted (soft delete),
// its identities removed.
Result<Reply> ArmService::delete_group(Call& call) {
  std::lock_guard l(write_mu_);
  auto g = groups_.find(call.param("rg"));
  if (!g) return errors::resource_group_not_found(call.param("rg"));
  // One transaction: the group, its vaults, its identities and every role assignment under it
  // (the vaults' and identities' own included) go together or, on a failed commit, not at all.
  std::vector<keyvault::VaultSettings> vaults;
  for (const auto& v : vaults_.list()) {
    if (core::to_lower(v.resource_group) == core::to_lower(g->name)) vaults.push_back(v);
  }
  std::vector<store::Op> with = {groups_.erase_op(g->name)};
  for (const auto& m : directory_.list_managed_identities()) {
    if (core::to_lower(m.resource_group) == core::to_lower(g->name)) {
      with.push_back(store::Op::del(identity::managed_identity_key(m.id)));
    }
  }
  remove_vaults(vaults, {},
                "/subscriptions/" + options_.subscription_id + "/resourceGroups/" + g->name,
                std::move(with));
  Reply reply = Reply::empty(202);
  reply.headers.emplace_back("Location", call.link("/subscriptions/" + options_.subscription_id +
                                                   "/operationresults/" + new_operation()));
  reply.headers.emplace_back("Retry-After", std::to_string(options_.retry_after_seconds));
  return reply;
}

// Resources_List, with the one $filter az keyvault list sends (reference §10).
Result<Reply> ArmService::list_resources(Call& call) {
  const std::string filter = call.ctx.query_param("$filter").value_or("");
  const std::string lower = core::to_lower(filter);
  const bool vaults = lower == "resourcetype eq 'microsoft.keyvault/vaults'";
  if (!filter.empty() && !vaults) return errors::unsupported_filter(filter);
  OrderedJson value = OrderedJson::array();
  for (const auto& v : vaults_.list()) {
    value.push_back({{"id", v.resource_id()},
                     {"name", v.name},
                     {"type", "Microsoft.KeyVault/vaults"},
                     {"location", v.location},
                     {"tags", v.tags}});
  }
  return Reply::ordered(OrderedJson{{"value", value}});
}

}  // namespace kmslab::arm
