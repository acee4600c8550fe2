#include "emulator/keyvault/vault.hpp"

#include <stdexcept>

#include "emulator/core/router.hpp"

namespace kmslab::keyvault {

namespace {

const std::string kPrefix = "/kv/vaults/";

}  // namespace

std::string VaultSettings::recovery_level() const {
  const bool customized = retention_days < 90;
  if (purge_protection) return customized ? "CustomizedRecoverable" : "Recoverable";
  return customized ? "CustomizedRecoverable+Purgeable" : "Recoverable+Purgeable";
}

nlohmann::json VaultSettings::to_json() const {
  return {{"name", name},
          {"sku", sku},
          {"location", location},
          {"tenant_id", tenant_id},
          {"retention_days", retention_days},
          {"purge_protection", purge_protection}};
}

VaultSettings VaultSettings::from_json(const nlohmann::json& j) {
  VaultSettings v;
  v.name = j.at("name").get<std::string>();
  v.sku = j.value("sku", "standard");
  v.location = j.value("location", "eastus");
  v.tenant_id = j.value("tenant_id", "");
  v.retention_days = j.value("retention_days", 90);
  v.purge_protection = j.value("purge_protection", false);
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
    auto vault = VaultSettings::from_json(nlohmann::json::parse(kv.value));
    cache_.emplace(core::to_lower(vault.name), std::move(vault));
  }
}

std::optional<VaultSettings> VaultRegistry::find(const std::string& name) const {
  std::lock_guard l(mu_);
  auto it = cache_.find(core::to_lower(name));
  if (it == cache_.end()) return std::nullopt;
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
  store_.put(kPrefix + core::to_lower(vault.name), vault.to_json().dump());
  std::lock_guard l(mu_);
  cache_[core::to_lower(vault.name)] = vault;
}

std::vector<VaultSettings> VaultRegistry::list() const {
  std::lock_guard l(mu_);
  std::vector<VaultSettings> out;
  for (const auto& [name, vault] : cache_) out.push_back(vault);
  return out;
}

VaultSettings vault_from_flag(const std::string& item, const std::string& tenant_id,
                              const std::string& location) {
  VaultSettings v;
  const size_t colon = item.find(':');
  v.name = item.substr(0, colon);
  if (colon != std::string::npos) v.sku = item.substr(colon + 1);
  v.tenant_id = tenant_id;
  v.location = location;
  return v;
}

}  // namespace kmslab::keyvault
