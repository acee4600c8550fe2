#pragma once
// The AKS resource provider's checks of a managed cluster PUT, in the order of aks.md §2.2:
// identity type, keyId, network access, Private's resource id and VNet integration, mode
// change, the KMS v1 upgrade block, the vault's tenant, then for a public vault its network
// rules and a real Key Vault access decision as the cluster's identity from the cluster's egress
// address (keyvault::access, no HTTP). A private vault skips that probe (D1, R4); its key and
// role checks run in the operation (check_private_runtime).
#include <optional>
#include <string>

#include "emulator/aks/cluster.hpp"
#include "emulator/core/api_error.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/ipv4.hpp"
#include "emulator/identity/directory.hpp"
#include "emulator/identity/rbac.hpp"
#include "emulator/keyvault/key_repository.hpp"
#include "emulator/keyvault/vault.hpp"

namespace kmslab::aks {

struct ValidationContext {
  const keyvault::VaultRegistry& vaults;
  const keyvault::KeyRepository& keys;
  const identity::Directory& directory;
  const identity::RoleAssignments* roles;
  const core::SubnetMap* subnets;
  const core::Clock& clock;
  std::string tenant_id;
  /// N2: this subscription used Konnectivity with a private vault before 2024-09-15 and keeps
  /// it while the cluster is on 1.30 or older (off by default; an admin route sets it).
  bool konnectivity_private_grandfathered = false;
};

/// The user-assigned identity of `identity` (the ARM block), or nullopt.
std::optional<std::string> user_assigned_identity_id(const nlohmann::json& identity);

/// nullopt when `next` (the cluster as the PUT would leave it, `old` before it, or null on
/// create) may be accepted.
std::optional<core::ApiError> validate_cluster(const ManagedCluster* old,
                                               const ManagedCluster& next,
                                               const ValidationContext& ctx);

/// Whether the PUT enables KMS, changes its key or mode, or upgrades a KMS cluster: the moments
/// AKS checks the key (aks.md §7 item 5).
bool kms_checkpoint(const ManagedCluster* old, const ManagedCluster& next);

/// A private vault's checks at enable time, in the operation: the key is usable and the
/// identity holds Key Vault Contributor (R5: it approves the private endpoint connection).
/// nullopt when they pass, else the reason (the operation's error detail).
std::optional<core::ApiError> check_private_runtime(const ManagedCluster& next,
                                                    const ValidationContext& ctx);

}  // namespace kmslab::aks
