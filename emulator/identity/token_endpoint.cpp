// POST .../oauth2/v2.0/token (and the v1 and AD FS token endpoints): client_credentials only.
// Checks run in the order that gives the client the most useful first error; every refusal is
// an AADSTS answer. Secrets and tokens are never logged.
#include <map>
#include <variant>

#include "emulator/core/base64url.hpp"
#include "emulator/core/json_input.hpp"
#include "emulator/identity/client_assertion.hpp"
#include "emulator/identity/handlers.hpp"

namespace kmslab::identity::handlers {

namespace {

using core::Reply;
using core::RequestContext;
using core::Result;
using Form = std::map<std::string, std::string>;

std::string field(const Form& form, const std::string& name) {
  const auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

// client_secret_basic (RFC 6749 §2.3.1): "Basic base64(urlencode(id):urlencode(secret))".
void read_basic_auth(const RequestContext& ctx, ClientCredentials& creds) {
  const auto it = ctx.request.find(core::http::field::authorization);
  if (it == ctx.request.end()) return;
  const std::string_view value = it->value();
  constexpr std::string_view kBasic = "basic ";
  if (value.size() <= kBasic.size() || core::to_lower(value.substr(0, kBasic.size())) != kBasic) {
    return;
  }
  const auto decoded = core::base64_decode(value.substr(kBasic.size()));
  const size_t colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) return;
  auto id = core::percent_decode(std::string_view(*decoded).substr(0, colon), true);
  auto secret = core::percent_decode(std::string_view(*decoded).substr(colon + 1), true);
  if (!id || !secret) return;
  if (creds.client_id.empty()) creds.client_id = std::move(*id);
  if (creds.client_secret.empty()) creds.client_secret = std::move(*secret);
}

// The resource the token is for: v2.0 takes only "scope"; v1.0 and AD FS also take "resource".
std::variant<std::string, AadError> audience(const Form& form, Flavor flavor) {
  const std::string resource = field(form, "resource");
  if (flavor != Flavor::kV2 && !resource.empty()) return resource;
  const std::string scope = field(form, "scope");
  if (scope.empty()) {
    return aad_errors::missing_parameter(flavor == Flavor::kV2 ? "scope" : "resource");
  }
  auto aud = audience_of_scope(scope);
  if (!aud) return aad_errors::scope_needs_default(scope);
  return std::move(*aud);
}

// The URLs a client assertion may name as aud: this token endpoint, v1.0 or v2.0, on this host.
std::vector<std::string> token_endpoint_urls(const RequestContext& ctx) {
  std::string path(ctx.request.target());
  path = path.substr(0, path.find('?'));
  const std::string base = "https://" + std::string(ctx.request[core::http::field::host]);
  std::vector<std::string> urls = {base + path};
  // adal names the URL it posted to, query included (?api-version=1.0), and Entra accepts it.
  if (path.size() != ctx.request.target().size())
    urls.push_back(base + std::string(ctx.request.target()));
  constexpr std::string_view kV1 = "/oauth2/token", kV2 = "/oauth2/v2.0/token";
  if (path.ends_with(kV1))
    urls.push_back(base + path.substr(0, path.size() - kV1.size()) + std::string(kV2));
  if (path.ends_with(kV2))
    urls.push_back(base + path.substr(0, path.size() - kV2.size()) + std::string(kV1));
  return urls;
}

// client_assertion_type=jwt-bearer with a client_assertion: its claims are checked here, its
// signature by the directory's validator.
std::optional<AadError> read_assertion(const RequestContext& ctx, const Form& form,
                                       core::TimePoint now, ClientCredentials& creds) {
  if (field(form, "client_assertion_type") != kJwtBearerAssertion) return std::nullopt;
  creds.client_assertion = field(form, "client_assertion");
  if (creds.client_assertion.empty()) return aad_errors::missing_parameter("client_assertion");
  const int64_t unix_now =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  auto x5t = check_assertion_claims(creds.client_assertion, creds.client_id,
                                    token_endpoint_urls(ctx), unix_now);
  if (auto* err = std::get_if<AadError>(&x5t)) return *err;
  creds.assertion_x5t = std::get<std::string>(x5t);
  return std::nullopt;
}

std::variant<AppTokenRequest, AadError> check_request(const State& state, const RequestContext& ctx,
                                                      const Form& form, Flavor flavor) {
  // Values are echoed into error texts and claims, which must be UTF-8.
  if (!core::valid_utf8(form)) return aad_errors::invalid_input();
  const std::string grant = field(form, "grant_type");
  if (grant.empty()) return aad_errors::missing_parameter("grant_type");
  if (grant != "client_credentials") return aad_errors::unsupported_grant_type(grant);
  const std::string& default_tenant = state.services.default_tenant_id;
  ClientCredentials creds{flavor == Flavor::kAdfs
                              ? core::to_lower(default_tenant)
                              : resolve_tenant(ctx.param("tenant"), default_tenant),
                          field(form, "client_id"), field(form, "client_secret")};
  read_basic_auth(ctx, creds);
  if (!core::valid_utf8(creds.client_id)) return aad_errors::invalid_input();
  if (creds.client_id.empty()) return aad_errors::missing_parameter("client_id");
  auto aud = audience(form, flavor);
  if (auto* err = std::get_if<AadError>(&aud)) return *err;
  if (auto err = read_assertion(ctx, form, ctx.clock.now(), creds)) return *err;
  if (creds.client_secret.empty() && creds.client_assertion.empty()) {
    return aad_errors::client_secret_required();
  }
  ClientVerdict verdict;
  if (state.services.validate_credentials) verdict = state.services.validate_credentials(creds);
  if (verdict.error) return *verdict.error;
  AppTokenRequest request{creds.tenant_id, creds.client_id, std::get<std::string>(aud)};
  request.object_id = std::move(verdict.object_id);
  return request;
}

Reply token_reply(const std::string& access_token, std::chrono::seconds lifetime,
                  const AadTrace& trace) {
  Reply reply = json_reply({{"token_type", "Bearer"},
                            {"expires_in", lifetime.count()},
                            {"ext_expires_in", lifetime.count()},
                            {"access_token", access_token}});
  reply.headers = {{"Cache-Control", "no-store, no-cache"},
                   {"Pragma", "no-cache"},
                   {"client-request-id", trace.correlation_id}};
  return reply;
}

}  // namespace

Result<Reply> token(const State& state, RequestContext& ctx, Flavor flavor) {
  const AadTrace trace = trace_of(ctx);
  // An unreadable body reads as an empty form: the client then hears which parameter is missing.
  const Form form = core::parse_query(ctx.request.body()).value_or(Form{});
  auto checked = check_request(state, ctx, form, flavor);
  if (auto* err = std::get_if<AadError>(&checked)) return to_reply(*err, trace);
  const auto& request = std::get<AppTokenRequest>(checked);
  const auto lifetime = state.services.token_lifetime;
  return token_reply(
      mint_app_token(request, *state.services.signing_key, trace.now, lifetime, ctx.request_id),
      lifetime, trace);
}

}  // namespace kmslab::identity::handlers
