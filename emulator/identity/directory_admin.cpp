#include "emulator/identity/directory_admin.hpp"

#include <memory>
#include <regex>

#include "emulator/core/admin.hpp"
#include "emulator/core/json_input.hpp"
#include "emulator/identity/client_assertion.hpp"

namespace kmslab::identity {

namespace {

using core::Reply;
using core::RequestContext;
using core::Result;
using core::http::verb;
using Services = std::shared_ptr<const DirectoryAdminServices>;

// An optional string member of a request object; nullopt + error when it has another type.
std::optional<std::string> string_member(const nlohmann::json& body, const char* name,
                                         std::optional<core::ApiError>& error) {
  if (!body.contains(name)) return std::nullopt;
  if (!body[name].is_string()) {
    error = core::errors::bad_parameter(std::string("\"") + name + "\" must be a string.");
    return std::nullopt;
  }
  return body[name].get<std::string>();
}

// ARM's rules for user-assigned identity and resource group names.
bool valid_identity_name(const std::string& name) {
  static const std::regex re("[A-Za-z0-9][A-Za-z0-9_-]{2,127}");
  return std::regex_match(name, re);
}
bool valid_group_name(const std::string& name) {
  static const std::regex re("[-\\w.()]{0,89}[-\\w()]");
  return std::regex_match(name, re);
}

Result<nlohmann::json> object_body(const RequestContext& ctx) {
  auto body = core::parse_untrusted_json(ctx.request.body().empty() ? "{}" : ctx.request.body());
  if (body.is_discarded() || !body.is_object()) {
    return core::errors::bad_json("expected a JSON object");
  }
  return body;
}

std::string default_display_name(const RequestContext& ctx) {
  // `az ad sp create-for-rbac` names its apps "azure-cli-YYYY-MM-DD-HH-MM-SS".
  std::string stamp = core::format_rfc3339(ctx.clock.now()).substr(0, 19);
  for (char& c : stamp) {
    if (c == 'T' || c == ':') c = '-';
  }
  return "kmslab-" + stamp;
}

Result<Reply> create_service_principal(const Services& s, RequestContext& ctx) {
  auto body = object_body(ctx);
  if (!body) return body.error();
  std::optional<core::ApiError> error;
  auto name = string_member(*body, "displayName", error);
  if (error) return *error;
  if (name && (name->empty() || name->size() > 120)) {
    return core::errors::bad_parameter("\"displayName\" must have 1 to 120 characters.");
  }
  // "certificate": a PEM X.509 certificate, registered as a credential (az ad sp create-for-rbac
  // --cert); the answer names it by its x5t.
  auto certificate = string_member(*body, "certificate", error);
  if (error) return *error;
  std::optional<std::string> thumbprint;
  if (certificate) {
    thumbprint = certificate_thumbprint(*certificate);
    if (!thumbprint) {
      return core::errors::bad_parameter(
          "\"certificate\" must be a PEM X.509 certificate with an RSA public key.");
    }
  }
  std::string secret;
  auto sp = s->directory.create_service_principal(s->tenant_id,
                                                  name.value_or(default_display_name(ctx)), secret);
  if (certificate) sp = s->directory.add_certificate(sp, *certificate);
  nlohmann::ordered_json out = {{"appId", sp.app_id},
                                {"displayName", sp.display_name},
                                {"password", secret},
                                {"tenant", sp.tenant_id},
                                {"objectId", sp.object_id}};
  if (thumbprint) out["certificateThumbprint"] = *thumbprint;
  return Reply::ordered(out, 201);
}

Result<Reply> list_service_principals(const Services& s, RequestContext&) {
  auto value = nlohmann::ordered_json::array();
  for (const auto& sp : s->directory.list_service_principals()) {
    value.push_back({{"appId", sp.app_id},
                     {"displayName", sp.display_name},
                     {"tenant", sp.tenant_id},
                     {"objectId", sp.object_id}});
  }
  return Reply::ordered({{"value", value}});
}

Result<Reply> create_managed_identity(const Services& s, RequestContext& ctx) {
  auto body = object_body(ctx);
  if (!body) return body.error();
  std::optional<core::ApiError> error;
  auto name = string_member(*body, "name", error);
  auto group = string_member(*body, "resourceGroup", error);
  auto location = string_member(*body, "location", error);
  if (error) return *error;
  if (!name || !valid_identity_name(*name)) {
    return core::errors::bad_parameter(
        "\"name\" is required: 3 to 128 letters, digits, hyphens or underscores, starting with a "
        "letter or digit.");
  }
  if (group && !valid_group_name(*group)) {
    return core::errors::bad_parameter("\"resourceGroup\" is not a valid resource group name.");
  }
  ManagedIdentity mi;
  mi.subscription_id = s->subscription_id;
  mi.resource_group = group.value_or(s->resource_group);
  mi.name = *name;
  mi.id = managed_identity_id(mi.subscription_id, mi.resource_group, mi.name);
  mi.location = location.value_or(s->location);
  mi.tenant_id = s->tenant_id;
  const bool existed = s->directory.find_managed_identity(mi.id).has_value();
  return Reply::ordered(managed_identity_json(s->directory.put_managed_identity(mi)),
                        existed ? 200 : 201);
}

Result<Reply> list_managed_identities(const Services& s, RequestContext&) {
  auto value = nlohmann::ordered_json::array();
  for (const auto& mi : s->directory.list_managed_identities()) {
    value.push_back(managed_identity_json(mi));
  }
  return Reply::ordered({{"value", value}});
}

Result<Reply> delete_managed_identity(const Services& s, RequestContext& ctx) {
  const std::string id =
      managed_identity_id(s->subscription_id, ctx.param("group"), ctx.param("name"));
  if (!s->directory.erase_managed_identity(id)) {
    // The id is not echoed: path captures may be any bytes, and the envelope is JSON.
    return core::ApiError{404, "NotFound", "The managed identity was not found.", std::nullopt, {}};
  }
  return Reply::empty(204);
}

}  // namespace

nlohmann::ordered_json managed_identity_json(const ManagedIdentity& mi) {
  return {
      {"id", mi.id},
      {"name", mi.name},
      {"type", "Microsoft.ManagedIdentity/userAssignedIdentities"},
      {"location", mi.location},
      {"tags", mi.tags},
      {"properties",
       {{"tenantId", mi.tenant_id}, {"principalId", mi.principal_id}, {"clientId", mi.client_id}}}};
}

void register_directory_admin_routes(core::Router& router, DirectoryAdminServices services) {
  const auto group = router.add_group("identity-admin", {"*"});
  if (!services.admin_token.empty()) {
    router.add_filter(group, core::admin_token_filter(services.admin_token));
  }
  auto s = std::make_shared<const DirectoryAdminServices>(std::move(services));
  auto add = [&](verb method, std::string_view pattern, std::string name, auto fn) {
    router.add(group, method, pattern, std::move(name),
               [s, fn](RequestContext& ctx) { return fn(s, ctx); });
  };
  constexpr std::string_view kSp = "/_kmslab/identity/service-principals";
  constexpr std::string_view kMi = "/_kmslab/identity/managed-identities";
  add(verb::post, kSp, "admin.identity.sp.create", create_service_principal);
  add(verb::get, kSp, "admin.identity.sp.list", list_service_principals);
  add(verb::post, kMi, "admin.identity.mi.create", create_managed_identity);
  add(verb::get, kMi, "admin.identity.mi.list", list_managed_identities);
  add(verb::delete_, std::string(kMi) + "/{group}/{name}", "admin.identity.mi.delete",
      delete_managed_identity);
}

}  // namespace kmslab::identity
