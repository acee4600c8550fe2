#pragma once
// The emulated directory: service principals (app registrations with client secrets) and
// user-assigned managed identities, persisted in the store.
//   /id/sp/{appId}          service principal
//   /id/mi/{lower(resource id)}  user-assigned managed identity
// ARM's Microsoft.ManagedIdentity provider writes identities; IMDS and the token endpoint read
// them; the data plane's authorisation knows callers only by the token's tid/oid/appid.
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/rng.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::identity {

struct ServicePrincipal {
  std::string tenant_id;
  std::string app_id;     // the client id
  std::string object_id;  // the service principal's object id (the token's oid)
  std::string display_name;
  std::string secret_sha256;                  // hex; the secret itself is never stored
  std::vector<std::string> certificate_pems;  // public certificates (client assertions)

  nlohmann::json to_json() const;
  static ServicePrincipal from_json(const nlohmann::json& j);
};

struct ManagedIdentity {
  std::string id;  // ARM resource id as created
  std::string name;
  std::string subscription_id;
  std::string resource_group;
  std::string location;
  std::string tenant_id;
  std::string client_id;
  std::string principal_id;  // the token's oid
  nlohmann::json tags = nlohmann::json::object();

  nlohmann::json to_json() const;
  static ManagedIdentity from_json(const nlohmann::json& j);
};

/// "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/
/// userAssignedIdentities/{name}".
std::string managed_identity_id(const std::string& subscription_id,
                                const std::string& resource_group, const std::string& name);

/// The store key of a managed identity's record, for a caller that deletes it in a transaction
/// of its own (a resource group's deletion).
std::string managed_identity_key(const std::string& id);

class Directory {
 public:
  Directory(store::Store& store, core::Rng& rng);

  /// Registers an application and its service principal with a new random secret (returned in
  /// `secret`, shown once). Empty app_id: a new GUID.
  ServicePrincipal create_service_principal(const std::string& tenant_id,
                                            const std::string& display_name, std::string& secret,
                                            const std::string& app_id = {});
  std::optional<ServicePrincipal> find_service_principal(const std::string& app_id) const;
  std::vector<ServicePrincipal> list_service_principals() const;
  /// True when app_id is registered and `secret` is its secret (constant-time compare).
  bool check_secret(const ServicePrincipal& sp, const std::string& secret) const;
  /// Registers a public certificate (PEM) as a credential of `sp`; returns the stored record.
  ServicePrincipal add_certificate(ServicePrincipal sp, const std::string& certificate_pem);

  /// Creates or updates (same id, case-insensitively) an identity; a new one gets fresh
  /// client and principal ids, an existing one keeps them. Returns what was stored.
  ManagedIdentity put_managed_identity(ManagedIdentity identity);
  std::optional<ManagedIdentity> find_managed_identity(const std::string& id) const;
  std::optional<ManagedIdentity> find_managed_identity_by_client_id(
      const std::string& client_id) const;
  std::optional<ManagedIdentity> find_managed_identity_by_principal_id(
      const std::string& principal_id) const;
  std::vector<ManagedIdentity> list_managed_identities() const;
  bool erase_managed_identity(const std::string& id);

  std::string new_guid() const;

 private:
  store::Store& store_;
  core::Rng& rng_;
  mutable std::mutex mu_;
};

}  // namespace kmslab::identity
