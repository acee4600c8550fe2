#pragma once
// A managed cluster as the AKS resource provider keeps it: the ARM resource (what the client
// wrote, normalised) and the RP's internal state, which never appears on the ARM resource
// (aks.md §1.6, §7 item 2: the previous key, the KMS protocol, the egress address ...).
// Persisted whole under /aks/clusters/{lower(id)}.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kmslab::aks {

/// properties.securityProfile.azureKeyVaultKms (aks.md §1.2).
struct KmsSettings {
  bool enabled = false;
  std::string key_id;
  std::string network_access = "Public";   // Public | Private (default Public, §7 item 1)
  std::optional<std::string> resource_id;  // kept as sent: absent, "" or an id

  bool private_access() const { return network_access == "Private"; }
  static KmsSettings from_properties(const nlohmann::json& properties);
};

/// A key the cluster's apiserver reads with (and, for the first, writes with).
struct KeySlot {
  std::string key_id;
  std::string network_access = "Public";
  std::string resource_id;
  std::string provider_name;  // stable for the key's life: its data carries this prefix
  int kms_api_version = 2;

  nlohmann::json to_json() const;
  static KeySlot from_json(const nlohmann::json& j);
};

/// The RP's latest operation on the cluster (op-status, §3.1).
struct Operation {
  std::string id;                     // the Azure-AsyncOperation URL's GUID
  std::string status = "InProgress";  // InProgress | Succeeded | Failed
  int64_t start = 0, end = 0;         // epoch milliseconds
  std::string error_code, error_message;
  nlohmann::json error_details = nlohmann::json::array();
  /// The state provisioningState holds while it runs: Creating | Updating | Upgrading |
  /// Stopping | Starting.
  std::string running_state = "Creating";
  /// A rotation waiting for the previous key's data to be migrated before it drops the
  /// oldest key (I8): the spec is applied once the wait ends.
  bool waiting_for_migration = false;
  std::string waiting_provider;
  /// The key the waiting rotation drops: until it proceeds the processes keep the keys from
  /// before it (what a restart must bring back).
  std::optional<KeySlot> dropped_key;

  bool running() const { return status == "InProgress"; }
  nlohmann::json to_json() const;
  static Operation from_json(const nlohmann::json& j);
};

struct ManagedCluster {
  // The ARM resource.
  std::string id;  // as first created
  std::string name, resource_group, location;
  nlohmann::json tags = nlohmann::json::object();
  nlohmann::json identity = nlohmann::json::object();    // {"type", "userAssignedIdentities"}
  nlohmann::json properties = nlohmann::json::object();  // writable fields as last PUT (merged)
  std::string provisioning_state = "Creating";
  std::string current_kubernetes_version;

  // Internal (never serialised on the ARM resource).
  std::vector<KeySlot> keys;   // current first, then the previous key (at most 2, P7 / R7)
  std::string egress_address;  // where the plugins' Key Vault traffic leaves from
  std::string fqdn_hash;       // 8 hex digits of the FQDN [U]
  std::string kubelet_client_id, kubelet_object_id;
  bool broken = false;  // scaled to zero through the VMSS API (L8): unrecoverable
  std::string broken_reason;
  bool stopped = false;  // az aks stop: processes stopped until az aks start (powerState)
  Operation operation;

  std::string lower_id() const;
  std::string node_resource_group() const;
  std::string fqdn() const;
  KmsSettings kms() const { return KmsSettings::from_properties(properties); }
  bool vnet_integration() const;
  /// powerState.code: Stopped after az aks stop, or when scaled to zero through the VMSS API.
  bool powered_off() const { return stopped || broken; }
  std::string api_server_subnet_id(const std::string& subscription_id) const;

  nlohmann::json to_json() const;
  /// Throws nlohmann::json::exception on a malformed record.
  static ManagedCluster from_json(const nlohmann::json& j);
};

}  // namespace kmslab::aks
