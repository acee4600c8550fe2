#pragma once
// The managed identity token endpoints, on the plain-HTTP listener `--imds-port` (as on a VM, the
// endpoints take no TLS):
//   GET  /metadata/identity/oauth2/token   IMDS
//   (AZURE_POD_IDENTITY_AUTHORITY_HOST=http://host:port) GET  /MSI/token                        App
//   Service 2019-08-01 (IDENTITY_ENDPOINT +
//                                          IDENTITY_HEADER)
//   POST /oauth2/token                     the form az CLI posts to MSI_ENDPOINT
// Each issues a v1.0 app-only token for a user-assigned identity of the Directory: appid =
// client id, oid = sub = principal id, tid = the identity's tenant, xms_mirid = its resource id.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "emulator/core/router.hpp"
#include "emulator/identity/directory.hpp"
#include "emulator/identity/managed_identity_request.hpp"
#include "emulator/identity/signing_key.hpp"

namespace kmslab::identity {

struct ManagedIdentityServices {
  const Directory* directory = nullptr;           // required; must outlive the routes
  std::shared_ptr<const SigningKey> signing_key;  // required
  std::string default_tenant_id;                  // for identities stored without a tenant
  /// The IDENTITY_HEADER value App Service clients must echo in X-IDENTITY-HEADER.
  std::string identity_header;
  std::chrono::seconds token_lifetime = kManagedIdentityTokenLifetime;
  /// Wraps each token route's handler (fault injection opts in here); empty: none.
  std::function<core::Handler(core::Handler)> guard_token;
};

/// Registers the group "managed-identity" on every host, on a router of its own: the managed
/// identity listener serves these routes and nothing else, as IMDS does. Throws
/// std::invalid_argument without a directory or a signing key.
void register_managed_identity_routes(core::Router& router, ManagedIdentityServices services);

/// IMDS's answer to anything else (the listener's Dispatcher::set_unmatched): every request
/// without "Metadata: true" is refused first (IMDS rejects requests without it, azure-docs
/// instance-metadata-service.md "Security and authentication"), then 404 / 405 in IMDS's words.
core::Reply managed_identity_unmatched(const core::RequestContext& ctx, bool other_method);

}  // namespace kmslab::identity
