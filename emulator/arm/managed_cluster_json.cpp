#include "emulator/arm/managed_cluster_json.hpp"

#include <algorithm>

#include "emulator/aks/names.hpp"
#include "emulator/arm/errors.hpp"
#include "emulator/arm/json_fields.hpp"
#include "emulator/core/base64url.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::arm {

using core::Result;
using nlohmann::json;

namespace {

const char* kClusterType = "Microsoft.ContainerService/ManagedClusters";

// Server-filled fields a client echoes back on update (az re-PUTs the GET body, aks.md §3.3).
const char* kReadOnly[] = {"provisioningState",
                           "powerState",
                           "currentKubernetesVersion",
                           "fqdn",
                           "azurePortalFQDN",
                           "privateFQDN",
                           "maxAgentPools",
                           "status",
                           "identityProfile",
                           "servicePrincipalProfile"};
const char* kPoolReadOnly[] = {"provisioningState", "powerState", "currentOrchestratorVersion",
                               "nodeImageVersion"};

std::optional<std::string> canonical(const std::string& value,
                                     std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (core::to_lower(value) == core::to_lower(a)) return std::string(a);
  }
  return std::nullopt;
}

Result<json> parse_identity(const json* identity) {
  if (!identity) return json{{"type", "None"}};
  FieldReader r(*identity, "identity");
  auto type = r.str("type");
  const json* users = r.object("userAssignedIdentities");
  if (r.error()) return *r.error();
  auto type_name = canonical(type.value_or("None"), {"SystemAssigned", "UserAssigned", "None"});
  if (!type_name) {
    return errors::bad_request("The value of parameter identity.type '" + *type +
                               "' is invalid: allowed values are SystemAssigned, UserAssigned, "
                               "None.");
  }
  json out = {{"type", *type_name}};
  if (users) {
    json ids = json::object();
    for (const auto& [id, value] : users->items()) {
      if (!value.is_object() && !value.is_null()) {
        return errors::invalid_request_content(
            "Error converting value at path "
            "'identity.userAssignedIdentities': an object was "
            "expected.");
      }
      ids[id] = json::object();  // principalId / clientId are the RP's to fill
    }
    out["userAssignedIdentities"] = ids;
  }
  return out;
}

Result<json> parse_kms(json kms) {
  FieldReader r(kms, "properties.securityProfile.azureKeyVaultKms");
  r.boolean("enabled");
  r.str("keyId");
  auto access = r.str("keyVaultNetworkAccess");
  r.str("keyVaultResourceId");
  if (r.error()) return *r.error();
  // Default Public (aks.md §7 item 1); a value that is neither stays for validation to refuse.
  if (!access) {
    kms["keyVaultNetworkAccess"] = "Public";
  } else if (auto c = canonical(*access, {"Public", "Private"})) {
    kms["keyVaultNetworkAccess"] = *c;
  }
  return kms;
}

Result<json> parse_properties(json props) {
  FieldReader r(props, "properties");
  r.str("kubernetesVersion");
  r.str("dnsPrefix");
  r.str("nodeResourceGroup");
  r.boolean("enableRBAC");
  r.boolean("disableLocalAccounts");
  r.object("networkProfile");
  const json* access = r.object("apiServerAccessProfile");
  const json* security = r.object("securityProfile");
  const json* pools = r.array("agentPoolProfiles");
  if (r.error()) return *r.error();
  FieldReader ar(access, "properties.apiServerAccessProfile");
  ar.boolean("enableVnetIntegration");
  ar.boolean("enablePrivateCluster");
  ar.str("subnetId");
  if (ar.error()) return *ar.error();
  for (const char* k : kReadOnly) props.erase(k);
  if (security) {
    FieldReader sr(security, "properties.securityProfile");
    const json* kms = sr.object("azureKeyVaultKms");
    if (sr.error()) return *sr.error();
    if (kms) {
      auto parsed = parse_kms(*kms);
      if (!parsed) return parsed.error();
      props["securityProfile"]["azureKeyVaultKms"] = std::move(*parsed);
    }
  }
  if (pools) {
    json out = json::array();
    for (size_t i = 0; i < pools->size(); ++i) {
      auto pool =
          parse_agent_pool((*pools)[i], "properties.agentPoolProfiles[" + std::to_string(i) + "]");
      if (!pool) return pool.error();
      out.push_back(std::move(*pool));
    }
    props["agentPoolProfiles"] = std::move(out);
  }
  return props;
}

bool valid_pool_name(const std::string& name) {
  if (name.empty() || name.size() > 12 || !std::islower(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  });
}

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string str_or(const json& obj, const char* key, const std::string& fallback) {
  const json* v = member(obj, key);
  return v && v->is_string() && !v->get<std::string>().empty() ? v->get<std::string>() : fallback;
}

OrderedJson pool_properties(const ClusterView& view, const json& pool) {
  const auto& c = view.cluster;
  const std::string version = str_or(pool, "orchestratorVersion", c.current_kubernetes_version);
  OrderedJson out;
  out["count"] = pool.value("count", 0);
  out["vmSize"] = str_or(pool, "vmSize", "Standard_DS2_v2");
  const int disk = pool.value("osDiskSizeGB", 0);
  out["osDiskSizeGB"] = disk > 0 ? disk : 128;
  out["osDiskType"] = str_or(pool, "osDiskType", "Managed");
  out["kubeletDiskType"] = "OS";
  out["maxPods"] = pool.value("maxPods", 110);
  out["type"] = str_or(pool, "type", "VirtualMachineScaleSets");
  out["enableAutoScaling"] = pool.value("enableAutoScaling", false);
  out["provisioningState"] = c.provisioning_state;
  out["powerState"] = {{"code", c.powered_off() ? "Stopped" : "Running"}};
  out["orchestratorVersion"] = version;
  out["currentOrchestratorVersion"] = version;
  out["mode"] = str_or(pool, "mode", "User");
  out["osType"] = str_or(pool, "osType", "Linux");
  out["osSKU"] = str_or(pool, "osSKU", "Ubuntu");
  out["nodeImageVersion"] = "AKSUbuntu-2204gen2containerd-202311.07.0";  // [U]
  out["enableFIPS"] = pool.value("enableFIPS", false);
  // Everything else the client set, as set.
  for (const auto& [k, v] : pool.items()) {
    if (k != "name" && !out.contains(k)) out[k] = v;
  }
  return out;
}

}  // namespace

Result<ClusterRequest> parse_cluster_request(const json& body) {
  auto tracked = read_tracked_body(body, true);
  if (!tracked) return tracked.error();
  FieldReader r(body, "");
  const json* identity = r.object("identity");
  if (r.error()) return *r.error();
  ClusterRequest out;
  out.location = tracked->location;
  out.tags = tracked->tags;
  auto parsed_identity = parse_identity(identity);
  if (!parsed_identity) return parsed_identity.error();
  out.identity = std::move(*parsed_identity);
  auto props = parse_properties(tracked->properties ? *tracked->properties : json::object());
  if (!props) return props.error();
  out.properties = std::move(*props);
  return out;
}

Result<json> parse_agent_pool(const json& pool, const std::string& path) {
  FieldReader r(pool, path);
  auto name = r.str("name");
  auto count = r.integer("count");
  auto mode = r.str("mode");
  r.str("vmSize");
  r.str("orchestratorVersion");
  r.boolean("enableAutoScaling");
  if (r.error()) return *r.error();
  if (!name || !valid_pool_name(*name)) {
    return errors::bad_request("The value of parameter " + path + ".name '" + name.value_or("") +
                               "' is invalid: agent pool names are 1-12 lower-case letters and "
                               "digits, starting with a letter.");
  }
  json out = pool;
  for (const char* k : kPoolReadOnly) out.erase(k);
  if (count && (*count < 0 || *count > 1000)) {
    return errors::bad_request("The value of parameter " + path +
                               ".count is invalid: it must be 0 to 1000 (inclusive).");
  }
  if (mode) {
    auto m = canonical(*mode, {"System", "User"});
    if (!m)
      return errors::bad_request("The value of parameter " + path + ".mode '" + *mode +
                                 "' is invalid: allowed values are System, User.");
    out["mode"] = *m;
  }
  if (!count) out["count"] = 3;  // the API's documented default
  return out;
}

bool knows_vnet_integration(const std::string& api_version) {
  return api_version >= "2025-07-01";
}

void keep_unknown_fields(const json& stored, json& properties, const std::string& api_version) {
  if (knows_vnet_integration(api_version)) return;
  const json* old = member(stored, "apiServerAccessProfile");
  if (!old) return;
  for (const char* k : {"enableVnetIntegration", "subnetId"}) {
    if (const json* v = member(*old, k)) properties["apiServerAccessProfile"][k] = *v;
  }
}

OrderedJson cluster_json(const ClusterView& view) {
  const auto& c = view.cluster;
  OrderedJson id_block;
  const std::string type = c.identity.value("type", "None");
  id_block["type"] = type;
  if (type == "SystemAssigned") {
    id_block["principalId"] = c.identity.value("principalId", "");
    id_block["tenantId"] = view.tenant_id;
  }
  if (auto* users = member(c.identity, "userAssignedIdentities")) {
    OrderedJson filled = OrderedJson::object();
    for (const auto& [uid, unused] : users->items()) {
      (void)unused;
      auto m = view.directory.find_managed_identity(uid);
      filled[uid] = m ? OrderedJson{{"principalId", m->principal_id}, {"clientId", m->client_id}}
                      : OrderedJson::object();
    }
    id_block["userAssignedIdentities"] = filled;
  }
  const json& p = c.properties;
  OrderedJson props;
  props["provisioningState"] = c.provisioning_state;
  props["powerState"] = {{"code", c.powered_off() ? "Stopped" : "Running"}};
  props["kubernetesVersion"] = str_or(p, "kubernetesVersion", c.current_kubernetes_version);
  props["currentKubernetesVersion"] = c.current_kubernetes_version;
  props["dnsPrefix"] = str_or(p, "dnsPrefix", c.name);
  props["fqdn"] = c.fqdn();
  props["azurePortalFQDN"] = c.fqdn();
  OrderedJson pools = OrderedJson::array();
  for (const auto& pool : p.value("agentPoolProfiles", json::array())) {
    OrderedJson one{{"name", pool.value("name", "")}};
    one.update(pool_properties(view, pool));
    pools.push_back(std::move(one));
  }
  props["agentPoolProfiles"] = pools;
  props["servicePrincipalProfile"] = {{"clientId", "msi"}};
  props["addonProfiles"] = p.value("addonProfiles", json::object());
  props["nodeResourceGroup"] = c.node_resource_group();
  props["enableRBAC"] = p.value("enableRBAC", true);
  OrderedJson network = {{"networkPlugin", "kubenet"},          {"podCidr", "10.244.0.0/16"},
                         {"serviceCidr", "10.0.0.0/16"},        {"dnsServiceIP", "10.0.0.10"},
                         {"dockerBridgeCidr", "172.17.0.1/16"}, {"outboundType", "loadBalancer"},
                         {"loadBalancerSku", "Standard"}};
  if (auto* n = member(p, "networkProfile"); n && n->is_object()) {
    for (const auto& [k, v] : n->items()) network[k] = v;
    if (network.value("loadBalancerSku", "") == "standard") network["loadBalancerSku"] = "Standard";
  }
  network["loadBalancerProfile"] = {
      {"managedOutboundIPs", {{"count", 1}}},
      {"effectiveOutboundIPs",
       {{{"id",
          "/subscriptions/" + view.subscription_id + "/resourceGroups/" + c.node_resource_group() +
              "/providers/Microsoft.Network/publicIPAddresses/kmslab-egress-" + c.fqdn_hash}}}}};
  props["networkProfile"] = network;
  props["maxAgentPools"] = 100;
  props["identityProfile"] = {
      {"kubeletidentity",
       {{"resourceId", "/subscriptions/" + view.subscription_id + "/resourcegroups/" +
                           c.node_resource_group() +
                           "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + c.name +
                           "-agentpool"},
        {"clientId", c.kubelet_client_id},
        {"objectId", c.kubelet_object_id}}}};
  props["securityProfile"] = p.value("securityProfile", json::object());
  props["disableLocalAccounts"] = p.value("disableLocalAccounts", false);
  props["storageProfile"] = p.value("storageProfile", json::object());
  props["oidcIssuerProfile"] = {{"enabled", false}};
  for (const auto& [k, v] : p.items()) {
    if (!props.contains(k)) props[k] = v;
  }
  // Newer api-versions only (S1): the failed operation's error.
  if (c.provisioning_state == "Failed" && !c.operation.error_code.empty()) {
    props["status"] = {
        {"provisioningError",
         {{"code", c.operation.error_code}, {"message", c.operation.error_message}}}};
  }
  OrderedJson out = {{"id", c.id}, {"location", c.location}, {"name", c.name}};
  if (!c.tags.empty()) out["tags"] = c.tags;
  out["type"] = kClusterType;
  out["properties"] = props;
  out["identity"] = id_block;
  out["sku"] = {{"name", "Basic"}, {"tier", "Free"}};
  return out;
}

OrderedJson agent_pool_json(const ClusterView& view, const json& pool) {
  const std::string name = pool.value("name", "");
  return {{"id", view.cluster.id + "/agentPools/" + name},
          {"name", name},
          {"type", "Microsoft.ContainerService/managedClusters/agentPools"},
          {"properties", pool_properties(view, pool)}};
}

std::string swapped_guid(const std::string& guid) {
  if (guid.size() != 36) return guid;
  auto swap = [&](size_t at, size_t len) {
    std::string out;
    for (size_t i = at + len; i > at; i -= 2) out += guid.substr(i - 2, 2);
    return out;
  };
  return swap(0, 8) + "-" + swap(9, 4) + "-" + swap(14, 4) + guid.substr(18);
}

std::string aks_time(int64_t epoch_ms) {
  const auto tp = core::TimePoint(std::chrono::milliseconds(epoch_ms));
  std::string whole = core::format_rfc3339(tp);  // ...:SSZ
  whole.pop_back();
  std::string frac = std::to_string(1000 + epoch_ms % 1000).substr(1) + "0000";  // 7 digits
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return whole + (frac.empty() ? "" : "." + frac) + "Z";
}

OrderedJson operation_json(const aks::Operation& op) {
  OrderedJson out = {
      {"name", swapped_guid(op.id)}, {"status", op.status}, {"startTime", aks_time(op.start)}};
  if (!op.running()) out["endTime"] = aks_time(op.end);
  if (op.status == "Failed") {
    OrderedJson error = {{"code", op.error_code}, {"message", op.error_message}};
    if (!op.error_details.empty()) error["details"] = op.error_details;
    out["error"] = error;
  }
  return out;
}

std::string kubeconfig(const aks::ManagedCluster& c, const aks::ControlPlaneState* state,
                       bool admin, const std::string& server) {
  const std::string user =
      std::string(admin ? "clusterAdmin_" : "clusterUser_") + c.resource_group + "_" + c.name;
  const std::string context = admin ? c.name + "-admin" : c.name;
  const bool serving = state && !state->apiserver_url.empty();
  std::string out;
  if (!serving) {
    out +=
        "# kmslab: this cluster has no Kubernetes API (--aks-control-planes=none, or its\n"
        "# control plane is not running); the server below does not answer.\n";
  }
  out += "apiVersion: v1\nclusters:\n- cluster:\n";
  // The CA and token are the cluster's, known while its apiserver restarts too: a kubeconfig
  // fetched then works once it serves again.
  const bool known = state && !state->ca_pem.empty() && !state->token.empty();
  if (known) {
    out += "    certificate-authority-data: " + core::base64_encode(state->ca_pem) + "\n";
  }
  out += "    server: " + server + "\n  name: " + c.name +
         "\ncontexts:\n- context:\n    cluster: " + c.name + "\n    user: " + user +
         "\n  name: " + context + "\ncurrent-context: " + context +
         "\nkind: Config\npreferences: {}\nusers:\n- name: " + user + "\n  user:\n";
  out += "    token: " + (known ? state->token : std::string("kmslab-no-kubernetes-api")) + "\n";
  return out;
}

}  // namespace kmslab::arm
