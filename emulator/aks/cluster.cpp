#include "emulator/aks/cluster.hpp"

#include "emulator/aks/names.hpp"

namespace kmslab::aks {

namespace {

using nlohmann::json;

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

KmsSettings KmsSettings::from_properties(const json& properties) {
  KmsSettings k;
  const json* security = member(properties, "securityProfile");
  const json* kms = security ? member(*security, "azureKeyVaultKms") : nullptr;
  if (!kms) return k;
  if (auto* e = member(*kms, "enabled"); e && e->is_boolean()) k.enabled = e->get<bool>();
  if (auto* id = member(*kms, "keyId"); id && id->is_string()) k.key_id = id->get<std::string>();
  if (auto* na = member(*kms, "keyVaultNetworkAccess"); na && na->is_string()) {
    k.network_access = na->get<std::string>();
  }
  if (auto* r = member(*kms, "keyVaultResourceId"); r && r->is_string()) {
    k.resource_id = r->get<std::string>();
  }
  return k;
}

json KeySlot::to_json() const {
  return {{"keyId", key_id},
          {"networkAccess", network_access},
          {"resourceId", resource_id},
          {"provider", provider_name},
          {"kmsApiVersion", kms_api_version}};
}

KeySlot KeySlot::from_json(const json& j) {
  return {j.at("keyId").get<std::string>(), j.at("networkAccess").get<std::string>(),
          j.at("resourceId").get<std::string>(), j.at("provider").get<std::string>(),
          j.at("kmsApiVersion").get<int>()};
}

json Operation::to_json() const {
  return {{"id", id},
          {"status", status},
          {"start", start},
          {"end", end},
          {"errorCode", error_code},
          {"errorMessage", error_message},
          {"errorDetails", error_details},
          {"runningState", running_state},
          {"waitingForMigration", waiting_for_migration},
          {"waitingProvider", waiting_provider},
          {"droppedKey", dropped_key ? dropped_key->to_json() : json()}};
}

Operation Operation::from_json(const json& j) {
  Operation o;
  o.id = j.at("id").get<std::string>();
  o.status = j.at("status").get<std::string>();
  o.start = j.at("start").get<int64_t>();
  o.end = j.at("end").get<int64_t>();
  o.error_code = j.at("errorCode").get<std::string>();
  o.error_message = j.at("errorMessage").get<std::string>();
  o.error_details = j.at("errorDetails");
  o.running_state = j.at("runningState").get<std::string>();
  o.waiting_for_migration = j.at("waitingForMigration").get<bool>();
  o.waiting_provider = j.at("waitingProvider").get<std::string>();
  if (j.contains("droppedKey") && !j["droppedKey"].is_null()) {
    o.dropped_key = KeySlot::from_json(j["droppedKey"]);
  }
  return o;
}

std::string ManagedCluster::lower_id() const {
  return lower(id);
}

std::string ManagedCluster::node_resource_group() const {
  if (auto* n = member(properties, "nodeResourceGroup"); n && n->is_string() && !n->empty()) {
    return n->get<std::string>();
  }
  return aks::node_resource_group(resource_group, name, location);
}

std::string ManagedCluster::fqdn() const {
  std::string prefix = name;
  if (auto* d = member(properties, "dnsPrefix"); d && d->is_string() && !d->empty()) {
    prefix = d->get<std::string>();
  }
  return lower(prefix) + "-" + fqdn_hash + ".hcp." + location + ".azmk8s.io";
}

bool ManagedCluster::vnet_integration() const {
  const json* access = member(properties, "apiServerAccessProfile");
  const json* v = access ? member(*access, "enableVnetIntegration") : nullptr;
  return v && v->is_boolean() && v->get<bool>();
}

std::string ManagedCluster::api_server_subnet_id(const std::string& subscription_id) const {
  const json* access = member(properties, "apiServerAccessProfile");
  const json* s = access ? member(*access, "subnetId") : nullptr;
  if (s && s->is_string() && !s->empty()) return lower(s->get<std::string>());
  // AKS-managed VNet: the apiserver subnet AKS creates in the node resource group [U: names].
  return lower("/subscriptions/" + subscription_id + "/resourceGroups/" + node_resource_group() +
               "/providers/Microsoft.Network/virtualNetworks/aks-vnet-" + fqdn_hash +
               "/subnets/aks-apiserver-subnet");
}

json ManagedCluster::to_json() const {
  json keys_json = json::array();
  for (const auto& k : keys) keys_json.push_back(k.to_json());
  return {{"id", id},
          {"name", name},
          {"resourceGroup", resource_group},
          {"location", location},
          {"tags", tags},
          {"identity", identity},
          {"properties", properties},
          {"provisioningState", provisioning_state},
          {"currentKubernetesVersion", current_kubernetes_version},
          {"keys", keys_json},
          {"egressAddress", egress_address},
          {"fqdnHash", fqdn_hash},
          {"kubeletClientId", kubelet_client_id},
          {"kubeletObjectId", kubelet_object_id},
          {"broken", broken},
          {"brokenReason", broken_reason},
          {"stopped", stopped},
          {"operation", operation.to_json()}};
}

ManagedCluster ManagedCluster::from_json(const json& j) {
  ManagedCluster c;
  c.id = j.at("id").get<std::string>();
  c.name = j.at("name").get<std::string>();
  c.resource_group = j.at("resourceGroup").get<std::string>();
  c.location = j.at("location").get<std::string>();
  c.tags = j.at("tags");
  c.identity = j.at("identity");
  c.properties = j.at("properties");
  c.provisioning_state = j.at("provisioningState").get<std::string>();
  c.current_kubernetes_version = j.at("currentKubernetesVersion").get<std::string>();
  for (const auto& k : j.at("keys")) c.keys.push_back(KeySlot::from_json(k));
  c.egress_address = j.at("egressAddress").get<std::string>();
  c.fqdn_hash = j.at("fqdnHash").get<std::string>();
  c.kubelet_client_id = j.at("kubeletClientId").get<std::string>();
  c.kubelet_object_id = j.at("kubeletObjectId").get<std::string>();
  c.broken = j.at("broken").get<bool>();
  c.broken_reason = j.at("brokenReason").get<std::string>();
  c.stopped = j.value("stopped", false);  // absent in records written before stop/start
  c.operation = Operation::from_json(j.at("operation"));
  return c;
}

}  // namespace kmslab::aks
