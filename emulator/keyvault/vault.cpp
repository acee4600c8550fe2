#include "emulator/keyvault/vault.hpp"

#include <stdexcept>

#include "emulator/core/router.hpp"

namespace kmslab::keyvault {

namespace {

const std::string kPrefix = "/kv/vaults/";

using Json = nlohmann::json;

Json policy_json(const AccessPolicy& p) {
  return {
      {"tenant_id", p.tenant_id}, {"object_id", p.object_id}, {"application_id", p.application_id},
      {"keys", p.keys},           {"secrets", p.secrets},     {"certificates", p.certificates},
      {"storage", p.storage}};
}

AccessPolicy policy_from(const Json& j) {
  AccessPolicy p;
  p.tenant_id = j.value("tenant_id", "");
  p.object_id = j.value("object_id", "");
  p.application_id = j.value("application_id", "");
  p.keys = j.value("keys", std::vector<std::string>{});
  p.secrets = j.value("secrets", std::vector<std::string>{});
  p.certificates = j.value("certificates", std::vector<std::string>{});
  p.storage = j.value("storage", std::vector<std::string>{});
  return p;
}

Json acls_json(const NetworkAcls& a) {
  return {{"bypass", a.bypass},
          {"default_action", a.default_action},
          {"ip_rules", a.ip_rules},
          {"virtual_network_rules", a.virtual_network_rules}};
}

NetworkAcls acls_from(const Json& j) {
  NetworkAcls a;
  a.bypass = j.value("bypass", "AzureServices");
  a.default_action = j.value("default_action", "Allow");
  a.ip_rules = j.value("ip_rules", std::vector<std::string>{});
  a.virtual_network_rules = j.value("virtual_network_rules", std::vector<std::string>{});
  return a;
}

Json connection_json(const PrivateEndpointConnection& c) {
  return {{"name", c.name},
          {"private_endpoint_id", c.private_endpoint_id},
          {"subnet_id", c.subnet_id},
          {"status", c.status},
          {"description", c.description},
          {"etag", c.etag},
          {"provisioning_state", c.provisioning_state}};
}

PrivateEndpointConnection connection_from(const Json& j) {
  PrivateEndpointConnection c;
  c.name = j.value("name", "");
  c.private_endpoint_id = j.value("private_endpoint_id", "");
  c.subnet_id = j.value("subnet_id", "");
  c.status = j.value("status", "Approved");
  c.description = j.value("description", "");
  c.etag = j.value("etag", "");
  c.provisioning_state = j.value("provisioning_state", "Succeeded");
  return c;
}

template <class T, class F>
Json array_of(const std::vector<T>& items, F to_json) {
  Json out = Json::array();
  for (const auto& item : items) out.push_back(to_json(item));
  return out;
}

}  // namespace

std::string VaultSettings::resource_id() const {
  return "/subscriptions/" + subscription_id + "/resourceGroups/" + resource_group +
         "/providers/Microsoft.KeyVault/vaults/" + name;
}

std::string VaultSettings::recovery_level() const {
  if (!soft_delete) return "Purgeable";
  const bool customized = retention_days < 90;
  if (purge_protection) return customized ? "CustomizedRecoverable" : "Recoverable";
  return customized ? "CustomizedRecoverable+Purgeable" : "Recoverable+Purgeable";
}

Json VaultSettings::to_json() const {
  Json j = {
      {"name", name},
      {"sku", sku},
      {"location", location},
      {"tenant_id", tenant_id},
      {"subscription_id", subscription_id},
      {"resource_group", resource_group},
      {"soft_delete", soft_delete},
      {"retention_days", retention_days},
      {"purge_protection", purge_protection},
      {"rbac", rbac},
      {"open_access", open_access},
      {"managed_hsm", managed_hsm},
      {"access_policies", array_of(access_policies, policy_json)},
      {"public_network_access", public_network_access},
      {"private_endpoint_connections", array_of(private_endpoint_connections, connection_json)},
      {"enabled_for_deployment", enabled_for_deployment},
      {"enabled_for_disk_encryption", enabled_for_disk_encryption},
      {"enabled_for_template_deployment", enabled_for_template_deployment},
      {"tags", tags},
      {"arm", arm}};
  if (network_acls) j["network_acls"] = acls_json(*network_acls);
  if (deleted_at) j["deleted_at"] = *deleted_at;
  if (scheduled_purge_at) j["scheduled_purge_at"] = *scheduled_purge_at;
  return j;
}

VaultSettings VaultSettings::from_json(const Json& j) {
  VaultSettings v;
  v.name = j.at("name").get<std::string>();
  v.sku = j.value("sku", "standard");
  v.location = j.value("location", "eastus");
  v.tenant_id = j.value("tenant_id", "");
  v.subscription_id = j.value("subscription_id", "");
  v.resource_group = j.value("resource_group", "");
  v.soft_delete = j.value("soft_delete", true);
  v.retention_days = j.value("retention_days", 90);
  v.purge_protection = j.value("purge_protection", false);
  v.rbac = j.value("rbac", false);
  // Records written before access control existed came from --vault: keep them open.
  v.open_access = j.value("open_access", true);
  v.managed_hsm = j.value("managed_hsm", false);
  for (const auto& p : j.value("access_policies", Json::array())) {
    v.access_policies.push_back(policy_from(p));
  }
  v.public_network_access = j.value("public_network_access", "Enabled");
  if (j.contains("network_acls")) v.network_acls = acls_from(j["network_acls"]);
  for (const auto& c : j.value("private_endpoint_connections", Json::array())) {
    v.private_endpoint_connections.push_back(connection_from(c));
  }
  v.enabled_for_deployment = j.value("enabled_for_deployment", false);
  v.enabled_for_disk_encryption = j.value("enabled_for_disk_encryption", false);
  v.enabled_for_template_deployment = j.value("enabled_for_template_deployment", false);
  v.tags = j.value("tags", Json::object());
  v.arm = j.value("arm", Json::object());
  if (j.contains("deleted_at")) v.deleted_at = j["deleted_at"].get<int64_t>();
  if (j.contains("scheduled_purge_at"))
    v.scheduled_purge_at = j["scheduled_purge_at"].get<int64_t>();
  return v;
}

bool is_valid_vault_name(const std::string& name) {
  if (name.size() < 3 || name.size() > 24) return false;
  if (!std::isalpha(static_cast<unsigned char>(name.front()))) return false;
  if (name.back() == '-') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    if (c == '-' && i > 0 && name[i - 1] == '-') return false;
  }
  return true;
}

VaultRegistry::VaultRegistry(store::Store& store) : store_(store) {
  for (const auto& kv : store_.range(kPrefix).kvs) {
    auto vault = std::make_shared<const VaultSettings>(
        VaultSettings::from_json(nlohmann::json::parse(kv.value)));
    cache_.emplace(core::to_lower(vault->name), std::move(vault));
  }
}

std::optional<VaultSettings> VaultRegistry::find(const std::string& name) const {
  auto vault = find_any(name);
  if (!vault || vault->deleted()) return std::nullopt;
  return vault;
}

std::optional<VaultSettings> VaultRegistry::find_any(const std::string& name) const {
  const std::string lower = core::to_lower(name);
  std::lock_guard l(mu_);
  auto it = cache_.find(lower);
  if (it == cache_.end()) return std::nullopt;
  return *it->second;
}

std::shared_ptr<const VaultSettings> VaultRegistry::find_shared(const std::string& name) const {
  const std::string lower = core::to_lower(name);
  std::lock_guard l(mu_);
  auto it = cache_.find(lower);
  if (it == cache_.end() || it->second->deleted()) return nullptr;
  return it->second;
}

void VaultRegistry::put(const VaultSettings& vault) {
  if (!is_valid_vault_name(vault.name)) {
    throw std::invalid_argument("invalid vault name '" + vault.name +
                                "': 3-24 characters of 0-9, a-z, A-Z and '-', starting with a "
                                "letter, no '--'");
  }
  if (vault.sku != "standard" && vault.sku != "premium") {
    throw std::invalid_argument("vault SKU must be standard or premium, not '" + vault.sku + "'");
  }
  if (vault.retention_days < 7 || vault.retention_days > 90) {
    throw std::invalid_argument("soft delete retention must be 7 to 90 days");
  }
  store_.put(vault_record_key(vault.name), vault.to_json().dump());
  auto shared = std::make_shared<const VaultSettings>(vault);
  std::lock_guard l(mu_);
  cache_[core::to_lower(vault.name)] = std::move(shared);
}

std::string vault_record_key(const std::string& name) {
  return kPrefix + core::to_lower(name);
}

void VaultRegistry::purge(const std::string& name) {
  remove({}, {name});
}

void VaultRegistry::remove(const std::vector<VaultSettings>& soft_deleted,
                           const std::vector<std::string>& purged, std::vector<store::Op> with) {
  // One transaction: a crash leaves either every vault (and the caller's state) or none of it.
  store::Txn txn;
  txn.success = std::move(with);
  for (const auto& vault : soft_deleted) {
    txn.success.push_back(store::Op::put(vault_record_key(vault.name), vault.to_json().dump()));
  }
  for (const auto& name : purged) {
    const std::string lower = core::to_lower(name);
    txn.success.push_back(store::Op::del(vault_record_key(lower)));
    txn.success.push_back(store::Op::del_prefix("/kv/" + lower + "/key/"));
    txn.success.push_back(store::Op::del_prefix("/kv/" + lower + "/ver/"));
  }
  store_.txn(txn);
  std::lock_guard l(mu_);
  for (const auto& vault : soft_deleted) {
    cache_[core::to_lower(vault.name)] = std::make_shared<const VaultSettings>(vault);
  }
  for (const auto& name : purged) cache_.erase(core::to_lower(name));
}

std::vector<VaultSettings> VaultRegistry::list() const {
  std::lock_guard l(mu_);
  std::vector<VaultSettings> out;
  for (const auto& [name, vault] : cache_) {
    if (!vault->deleted() && !vault->managed_hsm) out.push_back(*vault);
  }
  return out;
}

std::vector<VaultSettings> VaultRegistry::list_managed_hsms() const {
  std::lock_guard l(mu_);
  std::vector<VaultSettings> out;
  for (const auto& [name, vault] : cache_) {
    if (!vault->deleted() && vault->managed_hsm) out.push_back(*vault);
  }
  return out;
}

std::vector<VaultSettings> VaultRegistry::list_deleted() const {
  std::lock_guard l(mu_);
  std::vector<VaultSettings> out;
  for (const auto& [name, vault] : cache_) {
    if (vault->deleted() && !vault->managed_hsm) out.push_back(*vault);
  }
  return out;
}

VaultSettings managed_hsm_from_flag(const std::string& name, const std::string& tenant_id,
                                    const std::string& location) {
  VaultSettings v = vault_from_flag(name + ":premium", tenant_id, location);
  v.managed_hsm = true;
  // C:K.CreateRsaHsmKey.json: the recorded HSM's keys show recoverableDays 7.
  v.retention_days = 7;
  return v;
}

VaultSettings vault_from_flag(const std::string& item, const std::string& tenant_id,
                              const std::string& location) {
  VaultSettings v;
  const size_t colon = item.find(':');
  v.name = item.substr(0, colon);
  if (colon != std::string::npos) v.sku = item.substr(colon + 1);
  v.tenant_id = tenant_id;
  v.location = location;
  v.open_access = true;
  return v;
}

}  // namespace kmslab::keyvault
