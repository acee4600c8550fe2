#pragma once
// What a managed identity token request asks for, read from the three wire forms the emulator
// serves (managed_identity_routes.hpp), and which user-assigned identity answers it. Pure
// functions over already-decoded parameters and headers: unit tested and fuzzed
// (tests/fuzz/fuzz_managed_identity.cpp).
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "emulator/identity/directory.hpp"

namespace kmslab::identity {

enum class MiFlavor {
  kImds,        // GET /metadata/identity/oauth2/token (Azure VM IMDS, 2018-02-01)
  kAppService,  // GET {IDENTITY_ENDPOINT} with X-IDENTITY-HEADER (App Service, 2019-08-01)
  kMsiForm,     // POST {MSI_ENDPOINT}, form body (az CLI's msrestazure, Cloud Shell)
};

/// Managed identity tokens last 24 hours ("expires_in":"86399" in IMDS answers) [U: observed
/// values vary; configurable through ManagedIdentityServices].
inline constexpr std::chrono::seconds kManagedIdentityTokenLifetime{86399};

/// An answer other than a token: the endpoints do not use Entra ID's AADSTS envelope but a flat
/// {"error","error_description"} object.
struct MiError {
  unsigned status = 400;
  nlohmann::ordered_json body;
};

struct MiSelector {
  enum class Kind { kNone, kClientId, kObjectId, kResourceId };
  Kind kind = Kind::kNone;
  std::string value;
};

struct MiTokenRequest {
  std::string resource;
  MiSelector identity;
};

/// The request headers the checks read (absent: nullopt).
struct MiHeaders {
  std::optional<std::string> metadata;         // "Metadata"
  std::optional<std::string> identity_header;  // "X-IDENTITY-HEADER"
};

namespace mi_errors {
MiError metadata_header_required();
MiError api_version_required();
MiError unsupported_api_version(std::string_view version);
MiError identity_header_required();
MiError resource_required();
MiError conflicting_selectors();
MiError invalid_request();
MiError multiple_identities();
MiError identity_not_found();
MiError api_not_found(std::string_view method, std::string_view path);
MiError http_method_not_allowed(std::string_view method, std::string_view path);
}  // namespace mi_errors

/// Checks headers and parameters in the order the service does: headers, readable parameters
/// (UTF-8: they are echoed into JSON and the token), api-version, resource,
/// then the identity parameters (client_id; object_id or principal_id; msi_res_id or
/// mi_res_id; empty values count as absent; at most one may be given).
std::variant<MiTokenRequest, MiError> parse_mi_request(
    MiFlavor flavor, const std::map<std::string, std::string>& params, const MiHeaders& headers,
    std::string_view expected_identity_header);

/// The identity a selector names among the user-assigned ones (ids compared case-insensitively).
/// No selector: the only identity; several -> multiple_identities; none -> identity_not_found.
std::variant<ManagedIdentity, MiError> select_identity(
    const std::vector<ManagedIdentity>& identities, const MiSelector& selector);

/// The success body: IMDS and MSI_ENDPOINT answer {access_token, client_id, expires_in,
/// expires_on, ext_expires_in, not_before, resource, token_type}; App Service {access_token,
/// expires_on, resource, token_type, client_id}. Every value is a string. `now_unix` is the
/// client's (real) time: clients compare expires_on with their own clock.
nlohmann::ordered_json mi_token_body(MiFlavor flavor, const std::string& access_token,
                                     const std::string& client_id, const std::string& resource,
                                     std::chrono::seconds lifetime, int64_t now_unix);

}  // namespace kmslab::identity
