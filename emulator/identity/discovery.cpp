// Discovery documents: MSAL instance discovery, OpenID configuration (v2.0, v1.0, AD FS), JWKS.
// URLs in them use the Host the client used, so a client that reached "login.microsoftonline.com"
// through the proxy and one that dialled "localhost:8443" both stay where they are.
#include <optional>
#include <string>
#include <vector>

#include "emulator/identity/handlers.hpp"

namespace kmslab::identity::handlers {

namespace {

using core::Reply;
using core::RequestContext;
using core::Result;

constexpr std::string_view kHostChars = "abcdefghijklmnopqrstuvwxyz0123456789.-:[]";

bool plain_host(std::string_view host) {
  return !host.empty() && host.size() <= 255 &&
         host.find_first_not_of(kHostChars) == std::string_view::npos;
}

std::string_view without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.rfind(':'));
}

std::vector<std::string_view> labels(std::string_view host) {
  std::vector<std::string_view> out;
  for (size_t start = 0;;) {
    const size_t dot = host.find('.', start);
    out.push_back(host.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

// The router's host-pattern syntax: "*" for any host, "{name}" for any one label.
bool host_matches(std::string_view pattern, std::string_view host) {
  if (pattern == "*") return true;
  const auto p = labels(pattern);
  const auto h = labels(host);
  if (p.size() != h.size()) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    const bool wildcard = p[i].size() >= 2 && p[i].front() == '{' && p[i].back() == '}';
    if (wildcard ? h[i].empty() : core::to_lower(p[i]) != h[i]) return false;
  }
  return true;
}

bool served(const State& state, std::string_view authority) {
  const std::string_view host = without_port(authority);
  for (const auto& pattern : state.services.hosts) {
    if (host_matches(pattern, host)) return true;
  }
  return false;
}

struct AuthorityRef {
  std::string host;  // host[:port]
  std::string tenant;
};

// "https://localhost:8443/<tenant>/oauth2/v2.0/authorize" -> {"localhost:8443", "<tenant>"}.
std::optional<AuthorityRef> parse_authority_url(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() <= kScheme.size() || core::to_lower(url.substr(0, kScheme.size())) != kScheme) {
    return std::nullopt;
  }
  url.remove_prefix(kScheme.size());
  const size_t slash = url.find('/');
  AuthorityRef ref{core::to_lower(url.substr(0, slash)), {}};
  if (slash != std::string_view::npos) {
    const auto segments = core::split_path(url.substr(slash));
    if (!segments.empty()) ref.tenant = std::string(segments.front());
  }
  const bool tenant_ok = ref.tenant.find_first_of("/?#\"\\ ") == std::string::npos;
  if (!plain_host(ref.host) || ref.tenant.empty() || !tenant_ok) return std::nullopt;
  return ref;
}

Reply error_reply(const AadError& error, const RequestContext& ctx) {
  return to_reply(error, trace_of(ctx));
}

// Endpoints keep the tenant the client named; a domain name becomes the tenant GUID.
std::string endpoint_tenant(const State& state, std::string_view path_tenant) {
  if (is_tenant_alias(path_tenant)) return core::to_lower(path_tenant);
  return resolve_tenant(path_tenant, state.services.default_tenant_id);
}

// As the real service: for "common"/"organizations" the issuer is a template with a literal
// "{tenantid}", which validators fill in from each token's tid.
std::string issuer_tenant(const State& state, std::string_view path_tenant) {
  if (is_tenant_alias(path_tenant)) return "{tenantid}";
  return resolve_tenant(path_tenant, state.services.default_tenant_id);
}

nlohmann::json common_metadata() {
  return {{"response_modes_supported", {"query", "fragment", "form_post"}},
          {"subject_types_supported", {"pairwise"}},
          {"id_token_signing_alg_values_supported", {"RS256"}},
          {"response_types_supported",
           {"code", "id_token", "code id_token", "token id_token", "token"}},
          {"scopes_supported", {"openid"}},
          {"token_endpoint_auth_methods_supported",
           {"client_secret_post", "private_key_jwt", "client_secret_basic"}},
          {"request_uri_parameter_supported", false},
          {"http_logout_supported", true},
          {"frontchannel_logout_supported", true},
          {"tenant_region_scope", "NA"},
          {"cloud_instance_name", "microsoftonline.com"},
          {"cloud_graph_host_name", "graph.windows.net"},
          {"msgraph_host", "graph.microsoft.com"}};
}

nlohmann::json aad_configuration(const State& state, const std::string& host,
                                 std::string_view path_tenant, bool v2) {
  const std::string base = "https://" + host + "/" + endpoint_tenant(state, path_tenant);
  const std::string issuer_tid = issuer_tenant(state, path_tenant);
  const std::string oauth = base + (v2 ? "/oauth2/v2.0" : "/oauth2");
  nlohmann::json j = common_metadata();
  j["issuer"] = v2 ? "https://" + host + "/" + issuer_tid + "/v2.0" : v1_issuer(issuer_tid);
  j["authorization_endpoint"] = oauth + "/authorize";
  j["token_endpoint"] = oauth + "/token";
  j["device_authorization_endpoint"] = oauth + "/devicecode";
  j["end_session_endpoint"] = oauth + "/logout";
  j["jwks_uri"] = base + (v2 ? "/discovery/v2.0/keys" : "/discovery/keys");
  j["kerberos_endpoint"] = base + "/kerberos";
  if (v2) j["scopes_supported"] = {"openid", "profile", "email", "offline_access"};
  return j;
}

// AD FS's own shape: issuer ".../adfs", endpoints with trailing slashes. Tokens issued there are
// still v1 Entra ID tokens of the default tenant, so the data planes accept them.
nlohmann::json adfs_configuration(const std::string& host) {
  const std::string base = "https://" + host + "/adfs";
  nlohmann::json j = common_metadata();
  j["issuer"] = base;
  j["authorization_endpoint"] = base + "/oauth2/authorize/";
  j["token_endpoint"] = base + "/oauth2/token/";
  j["end_session_endpoint"] = base + "/oauth2/logout";
  j["jwks_uri"] = base + "/discovery/keys";
  j["access_token_issuer"] = "http://" + host + "/adfs/services/trust";
  return j;
}

// The Host the client used ("localhost:8443", "login.microsoftonline.com"), lower-case, or
// nullopt when it is not a plain host[:port].
std::optional<std::string> request_authority(const RequestContext& ctx) {
  std::string host = core::to_lower(ctx.request[core::http::field::host]);
  if (!plain_host(host)) return std::nullopt;
  return host;
}

}  // namespace

Result<Reply> instance_discovery(const State& state, RequestContext& ctx) {
  const auto host = request_authority(ctx);
  if (!host) return error_reply(aad_errors::invalid_input(), ctx);
  AuthorityRef ref{*host, ctx.param("tenant")};
  // MSAL names the authority it wants validated; the real service refuses unknown instances.
  if (auto endpoint = ctx.query_param("authorization_endpoint")) {
    auto parsed = parse_authority_url(*endpoint);
    if (!parsed || !served(state, parsed->host)) {
      return error_reply(aad_errors::invalid_instance(), ctx);
    }
    ref = std::move(*parsed);
  }
  const nlohmann::ordered_json metadata = {
      {"preferred_network", ref.host}, {"preferred_cache", ref.host}, {"aliases", {ref.host}}};
  return json_reply({{"tenant_discovery_endpoint", "https://" + ref.host + "/" + ref.tenant +
                                                       "/v2.0/.well-known/openid-configuration"},
                     {"api-version", "1.1"},
                     {"metadata", nlohmann::ordered_json::array({metadata})}});
}

Result<Reply> openid_configuration(const State& state, RequestContext& ctx, Flavor flavor) {
  const auto host = request_authority(ctx);
  if (!host) return error_reply(aad_errors::invalid_input(), ctx);
  if (flavor == Flavor::kAdfs) return Reply::json(adfs_configuration(*host));
  return Reply::json(aad_configuration(state, *host, ctx.param("tenant"), flavor == Flavor::kV2));
}

Result<Reply> keys(const State& state, RequestContext&) {
  return Reply::json(state.jwks);
}

}  // namespace kmslab::identity::handlers
