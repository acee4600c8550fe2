#pragma once
// The emulated Entra ID (Azure AD) sign-in service, enough for an unmodified MSAL / azure-identity
// client-credentials login:
//   GET  /{tenant}/discovery/instance                   MSAL instance discovery
//   GET  /{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/.well-known/... (v1)
//   GET  /{tenant}/discovery/v2.0/keys, /{tenant}/discovery/keys        JWKS
//   POST /{tenant}/oauth2/v2.0/token, /{tenant}/oauth2/token (v1)       client_credentials
//   and the AD FS-style authority /adfs/... (az CLI with a custom cloud skips instance
//   discovery only when its authority ends in /adfs).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/router.hpp"
#include "emulator/identity/aad_error.hpp"
#include "emulator/identity/app_token.hpp"
#include "emulator/identity/ids.hpp"
#include "emulator/identity/signing_key.hpp"

namespace kmslab::identity {

/// What a client presented at the token endpoint.
struct ClientCredentials {
  std::string tenant_id;  // resolved GUID
  std::string client_id;
  std::string client_secret;  // compare it, never log it
  // Or a client assertion whose claims the token endpoint checked; its signature is the
  // validator's to check against the application's certificates (client_assertion.hpp).
  std::string client_assertion;
  std::string assertion_x5t;
};

/// A validator's decision: an AadError (e.g. aad_errors::invalid_client_secret) refuses the
/// client; otherwise the token is issued with `object_id` as its oid (empty: the name-based id of
/// an application the directory does not know, see object_id_for).
struct ClientVerdict {
  std::optional<AadError> error;
  std::string object_id;
};
using CredentialValidator = std::function<ClientVerdict(const ClientCredentials&)>;

struct IdentityServices {
  /// Host patterns (router syntax) the sign-in service answers on. Instance discovery accepts an
  /// authority only on one of these hosts.
  std::vector<std::string> hosts = {"login.microsoftonline.com", "localhost", "127.0.0.1"};
  /// Signs every token; required.
  std::shared_ptr<const SigningKey> signing_key;
  /// The tenant that "common", "organizations", "adfs" and domain names stand for.
  std::string default_tenant_id = kDefaultTenantId;
  std::chrono::seconds token_lifetime = kDefaultTokenLifetime;
  /// Empty: any client id with a non-empty secret gets a token (see client_validator in
  /// service_principals.hpp for the directory's).
  CredentialValidator validate_credentials;
  /// Wraps each token route's handler (fault injection opts in here, app/emulator.cpp); empty:
  /// the handlers run as they are.
  std::function<core::Handler(core::Handler)> guard_token;
};

/// Registers the group "identity" on `services.hosts`. Throws std::invalid_argument without a
/// signing key.
void register_identity_routes(core::Router& router, IdentityServices services);

}  // namespace kmslab::identity
