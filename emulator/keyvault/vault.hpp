#pragma once
// Vaults as the data plane sees them: name, SKU, region and soft-delete settings, persisted in the
// store under /kv/vaults/. ARM creates and changes them (next issue); `--vault` creates them at
// start.
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/http.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::keyvault {

struct VaultSettings {
  std::string name;              // as created; looked up case-insensitively
  std::string sku = "standard";  // standard | premium
  std::string location = "eastus";
  std::string tenant_id;
  int retention_days = 90;  // soft delete retention, 7..90
  bool purge_protection = false;

  bool premium() const { return sku == "premium"; }
  /// recoveryLevel of the keys in this vault (reference §7; the mapping is unverified but
  /// consistent with the spec's enum descriptions).
  std::string recovery_level() const;

  nlohmann::json to_json() const;
  static VaultSettings from_json(const nlohmann::json& j);
};

/// Vault names: 3-24 characters of 0-9, a-z, A-Z and '-', starting with a letter, ending with a
/// letter or digit, no "--".
bool is_valid_vault_name(const std::string& name);

/// Vaults are read on every request and change rarely: reads come from a copy kept in memory,
/// which every put() (this class is the only writer) refreshes after the store commits.
class VaultRegistry {
 public:
  explicit VaultRegistry(store::Store& store);

  std::optional<VaultSettings> find(const std::string& name) const;
  /// Creates or replaces a vault. Throws std::invalid_argument for an invalid name or setting.
  void put(const VaultSettings& vault);
  std::vector<VaultSettings> list() const;

 private:
  store::Store& store_;
  mutable std::mutex mu_;
  std::map<std::string, VaultSettings> cache_;  // by lower-case name
};

/// Parses the `--vault` flag's items: "NAME" or "NAME:standard|premium".
VaultSettings vault_from_flag(const std::string& item, const std::string& tenant_id,
                              const std::string& location);

}  // namespace kmslab::keyvault
