#include "emulator/identity/managed_identity_request.hpp"

#include <array>

#include "emulator/core/constant_time.hpp"
#include "emulator/core/json_input.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::identity {

namespace mi_errors {

namespace {

MiError flat(std::string error, std::string description) {
  return {400, {{"error", std::move(error)}, {"error_description", std::move(description)}}};
}

}  // namespace

// Verified: IMDS's answer to a request without "Metadata: true" (azure-docs IMDS FAQ "400 Bad
// Request, Required metadata header not specified"; the flat body as azure-sdk-for-net's IMDS
// probe tests and IMDS captures show it).
MiError metadata_header_required() {
  return flat("invalid_request", "Required metadata header not specified");
}

// Verified for /metadata/instance (azure-docs instance-metadata-service.md "Versioning"); that
// the identity endpoint answers the same is [U]. The version list is the documented one's head.
MiError api_version_required() {
  return {400,
          {{"error",
            "Bad request. api-version was not specified in the request. For more information "
            "refer to aka.ms/azureimds"},
           {"newest-versions", {"2023-07-01", "2021-12-13", "2021-11-15"}}}};
}

// [U] App Service's wording; the 2019-08-01 protocol is the only one served.
MiError unsupported_api_version(std::string_view version) {
  return flat("invalid_request",
              "The api-version '" + std::string(version) + "' is not supported. Use 2019-08-01.");
}

// [U] App Service's wording for a missing or wrong X-IDENTITY-HEADER.
MiError identity_header_required() {
  return flat("invalid_request", "Required header X-IDENTITY-HEADER not specified or invalid");
}

// [U] seen in managed identity proxies' captures ("Required audience parameter not specified"),
// not in a Microsoft document.
MiError resource_required() {
  return flat("invalid_request", "Required audience parameter not specified");
}

// [U] wording; the docs say the identity parameters are mutually exclusive.
MiError conflicting_selectors() {
  return flat("invalid_request",
              "Only one of client_id, object_id or msi_res_id may be specified in the token "
              "request");
}

// [U] for parameters that are not UTF-8 (seen in managed identity proxies as a catch-all).
MiError invalid_request() {
  return flat("invalid_request", "Invalid request");
}

// Verified: IMDS capture in Hexadite/acs-keyvault-agent#43 and azure-sdk-for-rust#748.
MiError multiple_identities() {
  return flat("invalid_request",
              "Multiple user assigned identities exist, please specify the clientId / "
              "resourceId of the identity in the token request");
}

// Verified: IMDS with no identity assigned, and with a client_id not assigned to the VM
// (MicrosoftDocs/azure-docs#21322; azure-sdk-for-go's "IMDS: no identity assigned" test).
MiError identity_not_found() {
  return flat("invalid_request", "Identity not found");
}

// What IMDS answers for a path it does not serve and for a method a path does not take: the
// wording of learn.microsoft.com azure/load-balancer/troubleshoot-load-balancer-imds (IMDS's own
// error table: 404 'API not found: Path = "<UrlPath>", Method = "<Method>"', 405 'Http method
// isn't allowed: ...'); the body shape, {"error": message} as IMDS's api-version error has it,
// is [U].
MiError api_not_found(std::string_view method, std::string_view path) {
  return {404,
          {{"error", "API not found: Path = \"" + std::string(path) + "\", Method = \"" +
                         std::string(method) + "\""}}};
}

MiError http_method_not_allowed(std::string_view method, std::string_view path) {
  return {405,
          {{"error", "Http method isn't allowed: Path = \"" + std::string(path) +
                         "\", Method = \"" + std::string(method) + "\""}}};
}

}  // namespace mi_errors

namespace {

using Params = std::map<std::string, std::string>;

std::string param(const Params& params, const std::string& name) {
  const auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

std::optional<MiError> check_headers(MiFlavor flavor, const MiHeaders& headers,
                                     std::string_view expected_identity_header) {
  if (flavor == MiFlavor::kAppService) {
    // An empty expected value would let a request without the header through.
    if (expected_identity_header.empty() || !headers.identity_header ||
        !core::constant_time_equal(*headers.identity_header, expected_identity_header)) {
      return mi_errors::identity_header_required();
    }
    return std::nullopt;
  }
  // "This value must be set to true, in all lower case" (how-to-use-vm-token.md).
  if (headers.metadata != "true") return mi_errors::metadata_header_required();
  return std::nullopt;
}

std::optional<MiError> check_api_version(MiFlavor flavor, const Params& params) {
  if (flavor == MiFlavor::kMsiForm) return std::nullopt;  // az sends none
  const std::string version = param(params, "api-version");
  if (version.empty()) return mi_errors::api_version_required();
  if (flavor == MiFlavor::kAppService && version != "2019-08-01") {
    return mi_errors::unsupported_api_version(version);
  }
  return std::nullopt;
}

std::variant<MiSelector, MiError> read_selector(const Params& params) {
  using Kind = MiSelector::Kind;
  struct Alias {
    const char* name;
    Kind kind;
  };
  static constexpr std::array<Alias, 5> kAliases = {{{"client_id", Kind::kClientId},
                                                     {"object_id", Kind::kObjectId},
                                                     {"principal_id", Kind::kObjectId},
                                                     {"msi_res_id", Kind::kResourceId},
                                                     {"mi_res_id", Kind::kResourceId}}};
  MiSelector selector;
  for (const auto& alias : kAliases) {
    std::string value = param(params, alias.name);
    if (value.empty()) continue;
    if (selector.kind != Kind::kNone) return mi_errors::conflicting_selectors();
    selector = {alias.kind, std::move(value)};
  }
  return selector;
}

bool selects(const ManagedIdentity& mi, const MiSelector& selector) {
  const std::string want = core::to_lower(selector.value);
  switch (selector.kind) {
    case MiSelector::Kind::kClientId:
      return core::to_lower(mi.client_id) == want;
    case MiSelector::Kind::kObjectId:
      return core::to_lower(mi.principal_id) == want;
    case MiSelector::Kind::kResourceId:
      return core::to_lower(mi.id) == want;
    case MiSelector::Kind::kNone:
      break;
  }
  return false;
}

}  // namespace

std::variant<MiTokenRequest, MiError> parse_mi_request(MiFlavor flavor, const Params& params,
                                                       const MiHeaders& headers,
                                                       std::string_view expected_identity_header) {
  if (auto err = check_headers(flavor, headers, expected_identity_header)) return *err;
  if (!core::valid_utf8(params)) return mi_errors::invalid_request();
  if (auto err = check_api_version(flavor, params)) return *err;
  MiTokenRequest request;
  request.resource = param(params, "resource");
  if (request.resource.empty()) return mi_errors::resource_required();
  auto selector = read_selector(params);
  if (auto* err = std::get_if<MiError>(&selector)) return *err;
  request.identity = std::get<MiSelector>(std::move(selector));
  return request;
}

std::variant<ManagedIdentity, MiError> select_identity(
    const std::vector<ManagedIdentity>& identities, const MiSelector& selector) {
  if (selector.kind == MiSelector::Kind::kNone) {
    if (identities.size() == 1) return identities.front();
    return identities.empty() ? mi_errors::identity_not_found() : mi_errors::multiple_identities();
  }
  for (const auto& mi : identities) {
    if (selects(mi, selector)) return mi;
  }
  return mi_errors::identity_not_found();
}

nlohmann::ordered_json mi_token_body(MiFlavor flavor, const std::string& access_token,
                                     const std::string& client_id, const std::string& resource,
                                     std::chrono::seconds lifetime, int64_t now_unix) {
  const std::string expires_on = std::to_string(now_unix + lifetime.count());
  if (flavor == MiFlavor::kAppService) {
    // app-service/overview-managed-identity.md, "REST endpoint reference" sample response.
    return {{"access_token", access_token},
            {"expires_on", expires_on},
            {"resource", resource},
            {"token_type", "Bearer"},
            {"client_id", client_id}};
  }
  const std::string seconds = std::to_string(lifetime.count());
  return {{"access_token", access_token}, {"client_id", client_id},
          {"expires_in", seconds},        {"expires_on", expires_on},
          {"ext_expires_in", seconds},    {"not_before", std::to_string(now_unix)},
          {"resource", resource},         {"token_type", "Bearer"}};
}

}  // namespace kmslab::identity
