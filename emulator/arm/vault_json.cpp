#include "emulator/arm/vault_json.hpp"

#include <algorithm>
#include <cctype>

#include "emulator/arm/errors.hpp"
#include "emulator/arm/json_fields.hpp"
#include "emulator/core/router.hpp"
#include "emulator/identity/ids.hpp"

namespace kmslab::arm {

using core::Result;
using keyvault::AccessPolicy;
using keyvault::NetworkAcls;
using keyvault::VaultSettings;

namespace {

constexpr size_t kMaxAccessPolicies = 1024;  // VaultProperties: "0 to 1024 identities"
constexpr size_t kMaxIpRules = 1000;         // network-security.md
constexpr size_t kMaxVnetRules = 200;

std::string iso(int64_t epoch) {
  return core::format_rfc3339(core::TimePoint(std::chrono::seconds(epoch)));
}

OrderedJson policy_json(const AccessPolicy& p) {
  OrderedJson perms = OrderedJson::object();
  auto put = [&](const char* name, const std::vector<std::string>& list) {
    if (!list.empty()) perms[name] = list;
  };
  put("keys", p.keys);
  put("secrets", p.secrets);
  put("certificates", p.certificates);
  put("storage", p.storage);
  OrderedJson j = {{"tenantId", p.tenant_id}, {"objectId", p.object_id}};
  if (!p.application_id.empty()) j["applicationId"] = p.application_id;
  j["permissions"] = perms;
  return j;
}

OrderedJson acls_json(const NetworkAcls& a) {
  OrderedJson ips = OrderedJson::array();
  for (const auto& ip : a.ip_rules) ips.push_back({{"value", ip}});
  OrderedJson vnets = OrderedJson::array();
  for (const auto& id : a.virtual_network_rules) {
    vnets.push_back({{"id", id}, {"ignoreMissingVnetServiceEndpoint", false}});
  }
  return {{"bypass", a.bypass},
          {"defaultAction", a.default_action},
          {"ipRules", ips},
          {"virtualNetworkRules", vnets}};
}

// Case-insensitive match against the allowed values; returns the canonical spelling.
std::optional<std::string> one_of(const std::string& value, std::vector<std::string> allowed) {
  for (auto& a : allowed) {
    if (core::to_lower(a) == core::to_lower(value)) return a;
  }
  return std::nullopt;
}

core::ApiError invalid_value(const std::string& property, const std::string& value) {
  return errors::bad_request("Invalid value '" + value + "' for property '" + property + "'.");
}

Result<AccessPolicy> parse_policy(const nlohmann::json& j, const std::string& path) {
  FieldReader r(j, path);
  AccessPolicy p;
  p.tenant_id = r.str("tenantId").value_or("");
  p.object_id = r.str("objectId").value_or("");
  p.application_id = r.str("applicationId").value_or("");
  const auto* perms = r.object("permissions");
  if (r.error()) return *r.error();
  if (!identity::is_guid(p.tenant_id)) return invalid_value(path + ".tenantId", p.tenant_id);
  if (p.object_id.empty())
    return errors::bad_request("The property '" + path + ".objectId' is required.");
  if (!p.application_id.empty() && !identity::is_guid(p.application_id)) {
    return invalid_value(path + ".applicationId", p.application_id);
  }
  if (!perms) return errors::bad_request("The property '" + path + ".permissions' is required.");
  FieldReader pr(*perms, path + ".permissions");
  p.keys = pr.strings("keys").value_or(std::vector<std::string>{});
  p.secrets = pr.strings("secrets").value_or(std::vector<std::string>{});
  p.certificates = pr.strings("certificates").value_or(std::vector<std::string>{});
  p.storage = pr.strings("storage").value_or(std::vector<std::string>{});
  if (pr.error()) return *pr.error();
  return p;
}

bool parse_octets(const std::string& text, std::string& out) {
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i - start > 3 || std::stoi(text.substr(start, i - start)) > 255) return false;
    out += std::to_string(std::stoi(text.substr(start, i - start)));
    if (++parts < 4) {
      if (i >= text.size() || text[i] != '.') return false;
      out += '.';
      ++i;
    }
  }
  return i == text.size();
}

struct Scalars {
  std::optional<bool> deployment, disk, templates, soft_delete, rbac, purge_protection;
  std::optional<int64_t> retention;
  std::optional<std::string> tenant, create_mode, public_access;
};

std::optional<core::ApiError> apply_scalars(const Scalars& s, VaultSettings& v, bool creating) {
  if (s.tenant) {
    if (!identity::is_guid(*s.tenant)) return invalid_value("tenantId", *s.tenant);
    v.tenant_id = core::to_lower(*s.tenant);
  }
  if (s.deployment) v.enabled_for_deployment = *s.deployment;
  if (s.disk) v.enabled_for_disk_encryption = *s.disk;
  if (s.templates) v.enabled_for_template_deployment = *s.templates;
  if (s.rbac) v.rbac = *s.rbac;
  if (s.soft_delete) {
    if (!*s.soft_delete && v.soft_delete && !creating) return errors::soft_delete_irreversible();
    v.soft_delete = *s.soft_delete;
  }
  if (s.retention) {
    if (*s.retention < 7 || *s.retention > 90) return errors::retention_out_of_range(*s.retention);
    if (!creating && *s.retention != v.retention_days) return errors::retention_immutable();
    v.retention_days = static_cast<int>(*s.retention);
  }
  if (s.purge_protection) {
    if (!*s.purge_protection) return errors::purge_protection_irreversible();
    v.purge_protection = true;
  }
  if (s.public_access) {
    auto canonical = one_of(*s.public_access, {"Enabled", "Disabled"});
    if (!canonical) return invalid_value("publicNetworkAccess", *s.public_access);
    v.public_network_access = *canonical;
  }
  return std::nullopt;
}

std::optional<core::ApiError> apply_sku(const nlohmann::json& sku, VaultSettings& v) {
  FieldReader r(sku, "properties.sku");
  auto name = r.str("name");
  auto family = r.str("family");
  if (r.error()) return *r.error();
  if (!name) return errors::bad_request("The property 'sku.name' is required.");
  auto canonical = one_of(*name, {"standard", "premium"});
  if (!canonical) return invalid_value("sku.name", *name);
  if (family && core::to_lower(*family) != "a") return invalid_value("sku.family", *family);
  v.sku = *canonical;
  return std::nullopt;
}

}  // namespace

std::string normalise_location(const std::string& location) {
  std::string out;
  for (char c : location) {
    if (c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<std::string> normalise_ip_rule(const std::string& value) {
  const size_t slash = value.find('/');
  std::string out;
  if (!parse_octets(value.substr(0, slash), out)) return std::nullopt;
  if (slash == std::string::npos) return out + "/32";
  const std::string bits = value.substr(slash + 1);
  if (bits.empty() || bits.size() > 2 ||
      !std::all_of(bits.begin(), bits.end(), [](char c) { return std::isdigit(c); }) ||
      std::stoi(bits) > 32) {
    return std::nullopt;
  }
  return out + "/" + std::to_string(std::stoi(bits));
}

Result<TrackedBody> read_tracked_body(const nlohmann::json& body, bool with_properties) {
  FieldReader r(body, "");
  TrackedBody out;
  out.location = r.str("location");
  if (with_properties) out.properties = r.object("properties");
  auto tags = parse_tags(r.object("tags"));
  if (r.error()) return *r.error();
  if (!tags) return tags.error();
  out.tags = std::move(*tags);
  return out;
}

Result<nlohmann::json> parse_tags(const nlohmann::json* tags) {
  if (!tags) return nlohmann::json::object();
  if (!tags->is_object()) return errors::invalid_request_content("'tags' must be an object.");
  if (tags->size() > 50) return errors::bad_request("A resource can have at most 50 tags.");
  for (const auto& [k, v] : tags->items()) {
    if (!v.is_string()) return errors::invalid_request_content("Tag '" + k + "' must be a string.");
  }
  return *tags;
}

Result<std::vector<AccessPolicy>> parse_access_policies(const nlohmann::json& list) {
  if (!list.is_array())
    return errors::invalid_request_content("'accessPolicies' must be an array.");
  if (list.size() > kMaxAccessPolicies) {
    return errors::bad_request("The number of access policies exceeds the limit of 1024.");
  }
  std::vector<AccessPolicy> out;
  for (size_t i = 0; i < list.size(); ++i) {
    auto p = parse_policy(list[i], "accessPolicies[" + std::to_string(i) + "]");
    if (!p) return p.error();
    out.push_back(std::move(p.value()));
  }
  return out;
}

Result<NetworkAcls> parse_network_acls(const nlohmann::json& acls) {
  FieldReader r(acls, "properties.networkAcls");
  NetworkAcls a;
  auto bypass = r.str("bypass");
  auto action = r.str("defaultAction");
  const auto* ips = r.array("ipRules");
  const auto* vnets = r.array("virtualNetworkRules");
  if (r.error()) return *r.error();
  if (bypass && !(bypass = one_of(*bypass, {"AzureServices", "None"}))) {
    return invalid_value("networkAcls.bypass", acls["bypass"].get<std::string>());
  }
  if (action && !(action = one_of(*action, {"Allow", "Deny"}))) {
    return invalid_value("networkAcls.defaultAction", acls["defaultAction"].get<std::string>());
  }
  a.bypass = bypass.value_or("AzureServices");
  a.default_action = action.value_or("Allow");
  if (ips && ips->size() > kMaxIpRules) return errors::bad_request("Too many IP rules (max 1000).");
  if (vnets && vnets->size() > kMaxVnetRules) {
    return errors::bad_request("Too many virtual network rules (max 200).");
  }
  for (const auto& rule : ips ? *ips : nlohmann::json::array()) {
    FieldReader rr(rule, "properties.networkAcls.ipRules");
    auto value = rr.str("value");
    if (rr.error()) return *rr.error();
    auto cidr = normalise_ip_rule(value.value_or(""));
    if (!cidr) return errors::invalid_ip_rule(value.value_or(""));
    a.ip_rules.push_back(*cidr);
  }
  for (const auto& rule : vnets ? *vnets : nlohmann::json::array()) {
    FieldReader rr(rule, "properties.networkAcls.virtualNetworkRules");
    auto id = rr.str("id");
    if (rr.error()) return *rr.error();
    if (!id || id->rfind("/subscriptions/", 0) != 0) {
      return invalid_value("networkAcls.virtualNetworkRules.id", id.value_or(""));
    }
    a.virtual_network_rules.push_back(core::to_lower(*id));
  }
  return a;
}

Result<VaultSettings> apply_vault_properties(const nlohmann::json& properties, VaultSettings v,
                                             bool creating) {
  FieldReader r(properties, "properties");
  Scalars s{r.boolean("enabledForDeployment"),
            r.boolean("enabledForDiskEncryption"),
            r.boolean("enabledForTemplateDeployment"),
            r.boolean("enableSoftDelete"),
            r.boolean("enableRbacAuthorization"),
            r.boolean("enablePurgeProtection"),
            r.integer("softDeleteRetentionInDays"),
            r.str("tenantId"),
            r.str("createMode"),
            r.str("publicNetworkAccess")};
  const auto* sku = r.object("sku");
  const auto* policies = r.array("accessPolicies");
  const auto* acls = r.object("networkAcls");
  if (r.error()) return *r.error();
  if (creating && !s.tenant) return errors::bad_request("The property 'tenantId' is required.");
  if (creating && !sku) return errors::bad_request("The property 'sku' is required.");
  if (auto e = apply_scalars(s, v, creating)) return *e;
  if (sku) {
    if (auto e = apply_sku(*sku, v)) return *e;
  }
  if (policies) {
    auto parsed = parse_access_policies(*policies);
    if (!parsed) return parsed.error();
    v.access_policies = std::move(parsed.value());
  }
  if (acls) {
    auto parsed = parse_network_acls(*acls);
    if (!parsed) return parsed.error();
    v.network_acls = std::move(parsed.value());
  }
  return v;
}

OrderedJson vault_json(const VaultSettings& v, const std::string& dns_suffix) {
  OrderedJson policies = OrderedJson::array();
  for (const auto& p : v.access_policies) policies.push_back(policy_json(p));
  OrderedJson props = {{"sku", {{"family", "A"}, {"name", v.sku}}},
                       {"tenantId", v.tenant_id},
                       {"accessPolicies", policies},
                       {"enabledForDeployment", v.enabled_for_deployment},
                       {"enabledForDiskEncryption", v.enabled_for_disk_encryption},
                       {"enabledForTemplateDeployment", v.enabled_for_template_deployment},
                       {"enableSoftDelete", v.soft_delete},
                       {"softDeleteRetentionInDays", v.retention_days},
                       {"enableRbacAuthorization", v.rbac}};
  if (v.purge_protection) props["enablePurgeProtection"] = true;
  if (v.network_acls) props["networkAcls"] = acls_json(*v.network_acls);
  props["vaultUri"] = "https://" + core::to_lower(v.name) + "." + dns_suffix + "/";
  props["provisioningState"] = "Succeeded";
  props["publicNetworkAccess"] = v.public_network_access;
  if (!v.private_endpoint_connections.empty()) {
    OrderedJson list = OrderedJson::array();
    for (const auto& c : v.private_endpoint_connections) list.push_back(connection_json(v, c));
    props["privateEndpointConnections"] = list;
  }
  OrderedJson j = {{"id", v.resource_id()},
                   {"name", v.name},
                   {"type", "Microsoft.KeyVault/vaults"},
                   {"location", v.location},
                   {"tags", v.tags}};
  if (v.arm.contains("systemData")) j["systemData"] = v.arm["systemData"];
  j["properties"] = props;
  return j;
}

// Shape verified: ARMEX getDeletedVault.json (reference keyvault.md §7).
OrderedJson deleted_vault_json(const VaultSettings& v) {
  OrderedJson props = {{"vaultId", v.resource_id()},
                       {"location", v.location},
                       {"tags", v.tags},
                       {"deletionDate", iso(v.deleted_at.value_or(0))},
                       {"scheduledPurgeDate", iso(v.scheduled_purge_at.value_or(0))},
                       {"purgeProtectionEnabled", v.purge_protection}};
  return {
      {"id", "/subscriptions/" + v.subscription_id + "/providers/Microsoft.KeyVault/locations/" +
                 v.location + "/deletedVaults/" + v.name},
      {"name", v.name},
      {"type", "Microsoft.KeyVault/deletedVaults"},
      {"properties", props}};
}

OrderedJson connection_json(const VaultSettings& v, const keyvault::PrivateEndpointConnection& c) {
  OrderedJson state = {
      {"status", c.status}, {"description", c.description}, {"actionsRequired", "None"}};
  return {{"id", v.resource_id() + "/privateEndpointConnections/" + c.name},
          {"name", c.name},
          {"type", "Microsoft.KeyVault/vaults/privateEndpointConnections"},
          {"etag", c.etag},
          {"properties",
           {{"privateEndpoint", {{"id", c.private_endpoint_id}}},
            {"privateLinkServiceConnectionState", state},
            {"provisioningState", c.provisioning_state}}}};
}

}  // namespace kmslab::arm
