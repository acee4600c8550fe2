#include "emulator/identity/managed_identity_routes.hpp"

#include <stdexcept>

#include "emulator/identity/app_token.hpp"

namespace kmslab::identity {

namespace {

using core::Reply;
using core::RequestContext;
using core::Result;
using Services = std::shared_ptr<const ManagedIdentityServices>;

std::optional<std::string> header(const RequestContext& ctx, std::string_view name) {
  const auto it = ctx.request.find(name);
  if (it == ctx.request.end()) return std::nullopt;
  return std::string(it->value());
}

Reply error_reply(const MiError& error) {
  return Reply::ordered(error.body, error.status);
}

// IMDS and App Service take their parameters in the query; MSI_ENDPOINT in a form body (an
// unreadable body reads as an empty form: the client then hears that "resource" is missing).
std::map<std::string, std::string> parameters(const RequestContext& ctx, MiFlavor flavor) {
  if (flavor != MiFlavor::kMsiForm) return ctx.query;
  return core::parse_query(ctx.request.body()).value_or(std::map<std::string, std::string>{});
}

AppTokenRequest token_request(const Services& s, const ManagedIdentity& mi,
                              const std::string& resource) {
  AppTokenRequest request;
  request.tenant_id = core::to_lower(mi.tenant_id.empty() ? s->default_tenant_id : mi.tenant_id);
  request.client_id = mi.client_id;
  request.audience = resource;
  request.object_id = mi.principal_id;
  request.appidacr = "2";
  request.mirid = mi.id;
  return request;
}

Result<Reply> issue(const Services& s, RequestContext& ctx, MiFlavor flavor) {
  const MiHeaders headers{header(ctx, "Metadata"), header(ctx, "X-IDENTITY-HEADER")};
  auto parsed = parse_mi_request(flavor, parameters(ctx, flavor), headers, s->identity_header);
  if (auto* err = std::get_if<MiError>(&parsed)) return error_reply(*err);
  const auto& request = std::get<MiTokenRequest>(parsed);
  auto selected = select_identity(s->directory->list_managed_identities(), request.identity);
  if (auto* err = std::get_if<MiError>(&selected)) return error_reply(*err);
  const auto& mi = std::get<ManagedIdentity>(selected);
  const std::string token = mint_app_token(token_request(s, mi, request.resource), *s->signing_key,
                                           ctx.clock.now(), s->token_lifetime, ctx.request_id);
  // Lifetimes run in real time (app_token.cpp): expires_on is on the client's clock.
  const int64_t now_unix =
      std::chrono::duration_cast<std::chrono::seconds>(core::wall_clock_now().time_since_epoch())
          .count();
  return Reply::ordered(
      mi_token_body(flavor, token, mi.client_id, request.resource, s->token_lifetime, now_unix));
}

}  // namespace

void register_managed_identity_routes(core::Router& router, ManagedIdentityServices services) {
  if (!services.directory || !services.signing_key) {
    throw std::invalid_argument("managed identity routes need a directory and a signing key");
  }
  const auto group = router.add_group("managed-identity", {"*"});
  auto s = std::make_shared<const ManagedIdentityServices>(std::move(services));
  auto add = [&](core::http::verb method, std::string_view pattern, std::string name,
                 MiFlavor flavor) {
    core::Handler h = [s, flavor](RequestContext& ctx) { return issue(s, ctx, flavor); };
    if (s->guard_token) h = s->guard_token(std::move(h));
    router.add(group, method, pattern, std::move(name), std::move(h));
  };
  add(core::http::verb::get, "/metadata/identity/oauth2/token", "mi.imds.token", MiFlavor::kImds);
  add(core::http::verb::get, "/MSI/token", "mi.app_service.token", MiFlavor::kAppService);
  add(core::http::verb::post, "/oauth2/token", "mi.msi_endpoint.token", MiFlavor::kMsiForm);
}

core::Reply managed_identity_unmatched(const core::RequestContext& ctx, bool other_method) {
  const std::string method(ctx.request.method_string());
  if (header(ctx, "Metadata") != "true") return error_reply(mi_errors::metadata_header_required());
  return error_reply(other_method ? mi_errors::http_method_not_allowed(method, ctx.path)
                                  : mi_errors::api_not_found(method, ctx.path));
}

}  // namespace kmslab::identity
