#pragma once
// Microsoft.KeyVault/vaults as ARM writes and reads it (reference keyvault.md §8-§10;
// Azure/azure-rest-api-specs keyvault.json): VaultSettings <-> JSON, with the service's
// validation and normalisation (ipRules as CIDR, subnet ids lower-case, locations folded).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/http.hpp"
#include "emulator/keyvault/vault.hpp"

namespace kmslab::arm {

using OrderedJson = nlohmann::ordered_json;

/// The vault resource, vaultUri "https://{name}.{suffix}/".
OrderedJson vault_json(const keyvault::VaultSettings& vault, const std::string& dns_suffix);
/// The Microsoft.KeyVault/deletedVaults resource.
OrderedJson deleted_vault_json(const keyvault::VaultSettings& vault);
OrderedJson connection_json(const keyvault::VaultSettings& vault,
                            const keyvault::PrivateEndpointConnection& connection);

/// Applies `properties` (VaultProperties, or VaultPatchProperties when `patch`) onto `vault`.
/// `creating` enables the create-only rules (tenantId and sku required).
core::Result<keyvault::VaultSettings> apply_vault_properties(const nlohmann::json& properties,
                                                             keyvault::VaultSettings vault,
                                                             bool creating);
core::Result<std::vector<keyvault::AccessPolicy>> parse_access_policies(const nlohmann::json& list);
core::Result<keyvault::NetworkAcls> parse_network_acls(const nlohmann::json& acls);
/// "1.2.3.4" -> "1.2.3.4/32", "1.2.3.0/24" stays; nullopt when not IPv4 (CIDR).
std::optional<std::string> normalise_ip_rule(const std::string& value);
/// ARM's canonical location: lower-case, spaces removed ("East US" -> "eastus").
std::string normalise_location(const std::string& location);
/// Validates and reads a tags object (string values, at most 50).
core::Result<nlohmann::json> parse_tags(const nlohmann::json* tags);

/// The members every tracked resource's PUT/PATCH body shares, read and type-checked.
struct TrackedBody {
  std::optional<std::string> location;
  nlohmann::json tags;                         // {} when absent
  const nlohmann::json* properties = nullptr;  // only when asked for; null when absent
};
core::Result<TrackedBody> read_tracked_body(const nlohmann::json& body, bool with_properties);

}  // namespace kmslab::arm
