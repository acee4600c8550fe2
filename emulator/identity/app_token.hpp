#pragma once
// The access tokens the emulated Entra ID issues to applications (client credentials): v1.0
// tokens, as Key Vault and ARM get them from the real service.
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/clock.hpp"
#include "emulator/identity/signing_key.hpp"

namespace kmslab::identity {

/// Private claim: virtual-minus-real seconds when the token was issued (see app_token.cpp).
inline constexpr const char* kSkewClaim = "xms_kmslab_skew";

/// Real Entra ID answers client-credentials requests with a 3599-second token.
inline constexpr std::chrono::seconds kDefaultTokenLifetime{3599};

struct AppTokenRequest {
  std::string tenant_id;  // a resolved tenant GUID, never an alias
  std::string client_id;
  std::string audience;  // the resource: "https://vault.azure.net"
  /// The service principal's object id (oid, sub); empty: object_id_for(tenant, client), the
  /// stable id of an application the directory does not know.
  std::string object_id;
  /// How the client proved itself: "1" a client secret, "2" a certificate or a managed identity
  /// (decoded managed identity tokens carry "2").
  std::string appidacr = "1";
  /// A managed identity's ARM resource id, the xms_mirid claim; empty: no such claim.
  std::string mirid;
};

/// "https://sts.windows.net/{tenant}/": the issuer of v1.0 tokens, which Key Vault expects.
std::string v1_issuer(std::string_view tenant_id);

/// The resource a client-credentials scope names: "https://vault.azure.net/.default" gives
/// "https://vault.azure.net". Of several space-separated scopes the first resource scope counts
/// (OpenID scopes are ignored). nullopt when it is not a "<resource>/.default" scope.
std::optional<std::string> audience_of_scope(std::string_view scope);

/// The claims of an app-only token issued at `now`: aud, iss, iat, nbf, exp (iat + lifetime),
/// appid, appidacr, idp, idtyp "app", oid and sub (the service principal's object id), tid, uti
/// (from `token_id`), ver "1.0", and xms_mirid for a managed identity.
nlohmann::json app_token_claims(const AppTokenRequest& request, core::TimePoint now,
                                std::chrono::seconds lifetime, std::string_view token_id);

/// The one place app-only access tokens are minted: app_token_claims, signed with `key`. The
/// token endpoint and the managed identity endpoints both issue through it.
std::string mint_app_token(const AppTokenRequest& request, const SigningKey& key,
                           core::TimePoint now, std::chrono::seconds lifetime,
                           std::string_view token_id);

}  // namespace kmslab::identity
