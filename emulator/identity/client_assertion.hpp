#pragma once
// Certificate credentials at the token endpoint (RFC 7523 client assertions, as adal and MSAL send
// them): client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer and a JWT
// signed RS256 by a certificate registered on the application, named by its header's x5t
// (base64url SHA-1 of the certificate's DER).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/identity/aad_error.hpp"

namespace kmslab::identity {

inline constexpr std::string_view kJwtBearerAssertion =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// x5t of a PEM X.509 certificate (RSA keys only); nullopt when it is not one.
std::optional<std::string> certificate_thumbprint(std::string_view pem);

/// The checks that need no directory: structure, alg RS256 with an x5t, iss = sub = client_id,
/// aud among `audiences` (the token endpoint URLs of the request's tenant), nbf <= now < exp.
/// On success returns the assertion's x5t.
std::variant<std::string, AadError> check_assertion_claims(
    std::string_view assertion, std::string_view client_id,
    const std::vector<std::string>& audiences, int64_t now);

/// True when `assertion`'s RS256 signature verifies with the public key of `certificate_pem`.
bool assertion_signed_by(std::string_view assertion, std::string_view certificate_pem);

namespace aad_errors {
/// AADSTS50027 (unverified code for this case): an assertion that is not a readable JWT.
AadError malformed_assertion();
/// AADSTS700027 (401): no registered certificate has the assertion's x5t, or its signature fails.
AadError assertion_key_not_found(std::string_view x5t);
AadError assertion_bad_signature();
/// AADSTS700024: nbf/exp do not cover now.
AadError assertion_expired();
/// AADSTS50012 (401, behind AADSTS70002): aud is not this tenant's token endpoint
/// (AzureAD/azure-activedirectory-library-for-python#79 shows the text).
AadError assertion_audience();
/// AADSTS700021 (unverified): iss or sub is not the client_id parameter.
AadError assertion_client_mismatch();
}  // namespace aad_errors

}  // namespace kmslab::identity
