#pragma once
// kmslab's admin API over the directory, for tests and `tools/kmslab env` (real Azure creates
// these through Microsoft Graph and ARM):
//   POST   /_kmslab/identity/service-principals   {"displayName"?}  -> 201 {appId, displayName,
//          password, tenant, objectId}: `az ad sp create-for-rbac`'s output, plus the object id.
//          The password is shown once; only its hash is kept.
//   GET    /_kmslab/identity/service-principals   -> {"value":[...]} without secrets
//   POST   /_kmslab/identity/managed-identities   {"name", "resourceGroup"?, "location"?}
//          -> 201 the user-assigned identity as ARM shows it (200 if it existed: same ids)
//   GET    /_kmslab/identity/managed-identities   -> {"value":[...]}
//   DELETE /_kmslab/identity/managed-identities/{resourceGroup}/{name}   -> 204, or 404
// Requests that change state need --admin-token's bearer token when one is set.
#include <string>

#include "emulator/core/router.hpp"
#include "emulator/identity/directory.hpp"

namespace kmslab::identity {

struct DirectoryAdminServices {
  Directory& directory;
  std::string tenant_id;
  std::string subscription_id;
  std::string resource_group;  // default for new identities
  std::string location;        // default for new identities
  std::string admin_token;     // empty: no token needed
};

void register_directory_admin_routes(core::Router& router, DirectoryAdminServices services);

/// A managed identity as ARM returns it (Microsoft.ManagedIdentity/userAssignedIdentities).
nlohmann::ordered_json managed_identity_json(const ManagedIdentity& identity);

}  // namespace kmslab::identity
