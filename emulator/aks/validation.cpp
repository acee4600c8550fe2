#include "emulator/aks/validation.hpp"

#include <algorithm>

#include "emulator/aks/errors.hpp"
#include "emulator/aks/names.hpp"
#include "emulator/keyvault/access.hpp"

namespace kmslab::aks {

namespace {

using core::ApiError;
using nlohmann::json;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Built-in roles that grant Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action
// at a vault: Key Vault Contributor (aks-recorded.md §1, T1's set-up), Contributor and Owner.
const char* kApprovalRoles[] = {"f25e0fa2-a7c8-4377-a976-54943a77a395",
                                "b24988ac-6180-42a0-ab88-20f7382dd24c",
                                "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"};

std::string identity_type(const json& identity) {
  auto it = identity.find("type");
  return it != identity.end() && it->is_string() ? it->get<std::string>() : "None";
}

std::string version_of(const ManagedCluster& c) {
  if (!c.current_kubernetes_version.empty()) return c.current_kubernetes_version;
  auto it = c.properties.find("kubernetesVersion");
  if (it != c.properties.end() && it->is_string() && !it->get<std::string>().empty()) {
    return it->get<std::string>();
  }
  return kDefaultKubernetesVersion;
}

std::optional<ApiError> check_identity(const ManagedCluster& next, const ValidationContext& ctx,
                                       std::optional<identity::ManagedIdentity>* found) {
  const std::string type = identity_type(next.identity);
  if (lower(type) != "userassigned") return errors::system_assigned_identity(type);
  auto id = user_assigned_identity_id(next.identity);
  if (!id) return errors::one_user_assigned_identity();
  *found = ctx.directory.find_managed_identity(*id);
  if (!*found) return errors::identity_not_found(*id);
  return std::nullopt;
}

// The key as a real encrypt/decrypt would find it (I1 fires for any failure, aks-recorded §2).
std::optional<std::string> key_problem(const KeyIdParts& key, const ValidationContext& ctx) {
  auto v = ctx.keys.version(key.vault, key.name, key.version);
  auto meta = ctx.keys.meta(key.vault, key.name);
  if (!v || !meta || meta->deleted)
    return "the key " + key.name + "/" + key.version + " does not exist";
  const int64_t now = ctx.clock.now_unix_seconds();
  if (!v->attributes.enabled) return "the key is disabled";
  if (v->attributes.exp && *v->attributes.exp <= now) return "the key is expired";
  if (v->attributes.nbf && *v->attributes.nbf > now) return "the key is not yet valid";
  const std::string kty = v->public_jwk.value("kty", "");
  if (kty.rfind("RSA", 0) != 0) return "the key type " + kty + " cannot encrypt";
  for (const char* op : {"encrypt", "decrypt"}) {
    const bool has = std::any_of(v->key_ops.begin(), v->key_ops.end(),
                                 [&](const std::string& o) { return lower(o) == op; });
    if (!has) return std::string("the key does not allow ") + op;
  }
  return std::nullopt;
}

// A public vault: all networks allowed (L3), then the access decision as the identity from the
// cluster's egress address, then the key itself.
std::optional<ApiError> probe_public(const ManagedCluster& next, const KeyIdParts& key,
                                     const keyvault::VaultSettings& vault,
                                     const identity::ManagedIdentity& id,
                                     const ValidationContext& ctx) {
  const std::string url = "https://" + key.host;
  const bool all_networks =
      vault.public_network_access != "Disabled" &&
      (!vault.network_acls || lower(vault.network_acls->default_action) != "deny");
  identity::TokenClaims caller{ctx.tenant_id, id.principal_id, id.client_id, "", ""};
  if (!all_networks ||
      keyvault::access::check_network(vault, caller, next.egress_address, ctx.subnets)) {
    return errors::vault_network_blocked(url);
  }
  for (const char* route : {"keys.encrypt", "keys.decrypt"}) {
    if (keyvault::access::check_authorization(vault, caller, *keyvault::access::operation_of(route),
                                              key.name, ctx.roles)) {
      return errors::identity_permission(url);
    }
  }
  if (key_problem(key, ctx)) return errors::identity_permission(url);
  return std::nullopt;
}

std::optional<ApiError> check_versions(const ManagedCluster* old, const ManagedCluster& next) {
  auto to = parse_kube_version(version_of(next));
  if (!to) return errors::version_invalid(version_of(next));
  if (!old) return std::nullopt;
  auto from = parse_kube_version(old->current_kubernetes_version);
  if (!from) return std::nullopt;
  if (std::tie(to->major, to->minor) < std::tie(from->major, from->minor)) {
    return errors::version_downgrade(from->to_string(), to->to_string());
  }
  // Minor versions are not skipped (aks.md §3.4 [D]).
  if (to->major == from->major && to->minor > from->minor + 1) {
    return errors::version_skip(from->to_string(), to->to_string(), available_upgrades(*from));
  }
  // V2 / I9: a KMS v1 cluster does not cross 1.27.
  const bool v1 =
      old->kms().enabled && !old->keys.empty() && old->keys.front().kms_api_version == 1;
  if (v1 && next.kms().enabled && !from->at_least(1, 27) && to->at_least(1, 27)) {
    return errors::upgrade_blocked_kms_v1(from->to_string(), to->to_string());
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> user_assigned_identity_id(const json& identity) {
  auto it = identity.find("userAssignedIdentities");
  if (it == identity.end() || !it->is_object() || it->size() != 1) return std::nullopt;
  return it->begin().key();
}

bool kms_checkpoint(const ManagedCluster* old, const ManagedCluster& next) {
  const KmsSettings k = next.kms();
  if (!k.enabled) return false;
  if (!old || old->provisioning_state == "Failed") return true;  // a retry checks again
  const KmsSettings o = old->kms();
  return !o.enabled || o.key_id != k.key_id || o.network_access != k.network_access ||
         version_of(*old) != version_of(next) ||
         user_assigned_identity_id(old->identity) != user_assigned_identity_id(next.identity);
}

std::optional<ApiError> validate_cluster(const ManagedCluster* old, const ManagedCluster& next,
                                         const ValidationContext& ctx) {
  if (auto e = check_versions(old, next)) return e;
  const KmsSettings k = next.kms();
  if (!k.enabled) return std::nullopt;
  std::optional<identity::ManagedIdentity> id;
  if (auto e = check_identity(next, ctx, &id)) return e;
  if (k.key_id.empty()) return errors::key_id_required();
  auto key = parse_key_id(k.key_id);
  if (!key) return errors::key_id_invalid(k.key_id);
  if (k.network_access != "Public" && k.network_access != "Private") {
    return errors::network_access_invalid(k.network_access);
  }
  if (k.private_access()) {
    if (!k.resource_id || k.resource_id->empty()) return errors::resource_id_empty();
    auto rid_vault = vault_of_resource_id(*k.resource_id);
    if (!rid_vault) return errors::resource_id_invalid(*k.resource_id);
    auto v = parse_kube_version(version_of(next));
    const bool grandfathered = ctx.konnectivity_private_grandfathered && v && !v->at_least(1, 31);
    if (!next.vnet_integration() && !grandfathered) return errors::vnet_integration_required();
    if (lower(*rid_vault) != lower(key->vault)) {
      return errors::resource_id_mismatch(*k.resource_id, key->vault);
    }
  }
  // L6: the attached vault keeps its mode while KMS is on; another vault may have another.
  if (old && old->kms().enabled) {
    auto old_key = parse_key_id(old->kms().key_id);
    if (old_key && lower(old_key->vault) == lower(key->vault) &&
        old->kms().network_access != k.network_access) {
      return errors::network_access_change();
    }
  }
  if (!kms_checkpoint(old, next)) return std::nullopt;
  auto vault = ctx.vaults.find(key->vault);
  if (!vault) return errors::vault_not_found(key->vault);
  if (lower(vault->tenant_id) != lower(ctx.tenant_id)) {
    return errors::cross_tenant_vault(key->vault, vault->tenant_id);
  }
  if (k.private_access()) return std::nullopt;  // R4: AKS cannot probe a private vault
  return probe_public(next, *key, *vault, *id, ctx);
}

std::optional<ApiError> check_private_runtime(const ManagedCluster& next,
                                              const ValidationContext& ctx) {
  auto key = parse_key_id(next.kms().key_id);
  if (!key) return errors::key_id_invalid(next.kms().key_id);
  if (auto problem = key_problem(*key, ctx)) {
    return ApiError{
        400,
        "KeyVaultKeyNotUsable",
        "Azure Key Vault KMS cannot use key " + next.kms().key_id + ": " + *problem + ".",
        std::nullopt,
        {}};
  }
  auto id_ref = user_assigned_identity_id(next.identity);
  auto id = id_ref ? ctx.directory.find_managed_identity(*id_ref) : std::nullopt;
  auto vault = ctx.vaults.find(key->vault);
  if (!id || !vault) return errors::vault_not_found(key->vault);
  const std::string scope = lower(vault->resource_id());
  bool allowed = false;
  for (const auto& a : ctx.roles ? ctx.roles->list() : std::vector<identity::RoleAssignment>{}) {
    const std::string s = lower(a.scope);
    const bool covers = scope == s || (scope.rfind(s + "/", 0) == 0);
    const bool role = std::find(std::begin(kApprovalRoles), std::end(kApprovalRoles),
                                lower(a.role_guid())) != std::end(kApprovalRoles);
    if (lower(a.principal_id) == lower(id->principal_id) && covers && role) allowed = true;
  }
  if (!allowed) {
    return ApiError{403,
                    "AuthorizationFailed",
                    "The identity '" + id->principal_id +
                        "' does not have authorization to perform action "
                        "'Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action' "
                        "over scope '" +
                        vault->resource_id() + "' (it needs the Key Vault Contributor role).",
                    std::nullopt,
                    {}};
  }
  return std::nullopt;
}

}  // namespace kmslab::aks
