#pragma once
// Vaults as every component sees them: name, SKU, region, soft-delete settings, access model,
// network rules and private endpoint connections, persisted in the store under /kv/vaults/.
// ARM (emulator/arm) creates, changes, deletes, recovers and purges them; `--vault` creates
// "open" ones at start; the data plane reads them on every request.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/http.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::keyvault {

/// One entry of properties.accessPolicies. Permission names are kept as sent (ARM echoes them);
/// checks compare them case-insensitively.
struct AccessPolicy {
  std::string tenant_id;
  std::string object_id;
  std::string application_id;  // empty unless a compound identity (OBO) entry
  std::vector<std::string> keys, secrets, certificates, storage;
};

/// properties.networkAcls.
struct NetworkAcls {
  std::string bypass = "AzureServices";            // AzureServices | None
  std::string default_action = "Allow";            // Allow | Deny
  std::vector<std::string> ip_rules;               // normalised CIDR "a.b.c.d/n"
  std::vector<std::string> virtual_network_rules;  // subnet resource ids, lower-case
};

/// One private endpoint connection of a vault. subnet_id is the subnet the private endpoint
/// lives in (from the Microsoft.Network/privateEndpoints resource): a caller in that subnet
/// reaches the vault "via private link" when status is Approved.
struct PrivateEndpointConnection {
  std::string name;
  std::string private_endpoint_id;
  std::string subnet_id;            // lower-case
  std::string status = "Approved";  // Pending | Approved | Rejected | Disconnected
  std::string description;
  std::string etag;
  std::string provisioning_state = "Succeeded";
};

struct VaultSettings {
  std::string name;              // as created; looked up case-insensitively
  std::string sku = "standard";  // standard | premium
  std::string location = "eastus";
  std::string tenant_id;
  std::string subscription_id;
  std::string resource_group;
  bool soft_delete = true;
  int retention_days = 90;  // soft delete retention, 7..90
  bool purge_protection = false;
  bool rbac = false;  // properties.enableRbacAuthorization
  /// kmslab's own: every authenticated caller of the vault's tenant may do everything. Vaults
  /// made by `--vault` are open (no ARM call granted anyone anything); ARM-made ones are not.
  bool open_access = false;
  /// A Managed HSM ({name}.managedhsm.azure.net), not a vault: its own challenge, headers and
  /// messages (recorded-keyvault.md §9); ARM's vault listings leave it out.
  bool managed_hsm = false;
  std::vector<AccessPolicy> access_policies;
  std::string public_network_access = "Enabled";  // Enabled | Disabled
  std::optional<NetworkAcls> network_acls;
  std::vector<PrivateEndpointConnection> private_endpoint_connections;
  bool enabled_for_deployment = false;
  bool enabled_for_disk_encryption = false;
  bool enabled_for_template_deployment = false;
  nlohmann::json tags = nlohmann::json::object();
  /// ARM's systemData and any other management-plane detail ARM keeps as it was written.
  nlohmann::json arm = nlohmann::json::object();
  /// Soft-deleted vault: epoch seconds of deletion and of the automatic purge.
  std::optional<int64_t> deleted_at;
  std::optional<int64_t> scheduled_purge_at;

  bool premium() const { return sku == "premium"; }
  bool deleted() const { return deleted_at.has_value(); }
  /// "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}".
  std::string resource_id() const;
  /// recoveryLevel of the keys in this vault (reference §7; the mapping is unverified but
  /// consistent with the spec's enum descriptions).
  std::string recovery_level() const;

  nlohmann::json to_json() const;
  /// Throws nlohmann::json::exception on a malformed record.
  static VaultSettings from_json(const nlohmann::json& j);
};

/// The store key of a vault's record: a key write that compares it exists cannot land in a vault
/// purged meanwhile (KeyRepository::save).
std::string vault_record_key(const std::string& name);

/// Vault names: 3-24 characters of 0-9, a-z, A-Z and '-', starting with a letter, ending with a
/// letter or digit, no "--".
bool is_valid_vault_name(const std::string& name);

/// Vaults are read on every request and change rarely: reads come from a copy kept in memory,
/// which every write (this class is the only writer) refreshes after the store commits. Each
/// cached vault is immutable and replaced whole on change, so the data plane shares it instead of
/// copying it per request; a request keeps the settings it started with.
class VaultRegistry {
 public:
  explicit VaultRegistry(store::Store& store);

  /// An active vault, shared (the data plane's hot path); null when unknown or soft-deleted.
  std::shared_ptr<const VaultSettings> find_shared(const std::string& name) const;
  /// An active (not soft-deleted) vault: what the data plane may serve.
  std::optional<VaultSettings> find(const std::string& name) const;
  /// Active or soft-deleted: vault names are global, a deleted name stays taken until purged.
  std::optional<VaultSettings> find_any(const std::string& name) const;
  /// Creates or replaces a vault (active or deleted). Throws std::invalid_argument for an
  /// invalid name or setting.
  void put(const VaultSettings& vault);
  /// Destroys a vault and every key in it (purge). No-op for an unknown name.
  void purge(const std::string& name);
  /// Writes `soft_deleted` (records as given, marked deleted) and purges `purged` (record and
  /// every key) in one store transaction with the caller's `with` ops (the role assignments,
  /// identities, resource group that go with them); the cache changes only after the commit.
  void remove(const std::vector<VaultSettings>& soft_deleted,
              const std::vector<std::string>& purged, std::vector<store::Op> with = {});
  std::vector<VaultSettings> list() const;               // active vaults
  std::vector<VaultSettings> list_deleted() const;       // soft-deleted vaults
  std::vector<VaultSettings> list_managed_hsms() const;  // active Managed HSMs

 private:
  store::Store& store_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const VaultSettings>> cache_;  // by lower-case name
};

/// A Managed HSM made by `--managed-hsm NAME`: open to its tenant, HSM keys, 7 days of soft
/// delete.
VaultSettings managed_hsm_from_flag(const std::string& name, const std::string& tenant_id,
                                    const std::string& location);
/// Parses the `--vault` flag's items: "NAME" or "NAME:standard|premium".
VaultSettings vault_from_flag(const std::string& item, const std::string& tenant_id,
                              const std::string& location);

}  // namespace kmslab::keyvault
