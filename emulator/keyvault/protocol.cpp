// Key Vault's protocol around the handlers: routes, vault resolution by Host, the bearer
// challenge, api-version, response headers, bodies and paging.
#include <algorithm>
#include <set>

#include "emulator/core/base64url.hpp"
#include "emulator/core/json_input.hpp"
#include "emulator/keyvault/access.hpp"
#include "emulator/keyvault/access_errors.hpp"
#include "emulator/keyvault/call.hpp"
#include "emulator/keyvault/errors.hpp"

namespace kmslab::keyvault {

using core::ApiError;
using core::Reply;
using core::RequestContext;
using core::Result;
namespace http = core::http;

namespace {

// 2015-06-01 and 2016-10-01 are still served by Azure: the upstream KMS plugin (v0.11.0) calls
// encrypt/decrypt with 2016-10-01 (reference/kms.md §7.3).
const std::set<std::string> kApiVersions = {"2015-06-01", "2016-10-01", "7.0", "7.1", "7.2",
                                            "7.3",        "7.4",        "7.5", "7.6", "2025-07-01"};

std::string network_info(const RequestContext& ctx) {
  const bool v6 = ctx.connection.peer_address.find(':') != std::string::npos;
  return std::string("conn_type=") + (v6 ? "Ipv6" : "Ipv4") +
         ";addr=" + ctx.connection.peer_address +
         ";act_addr_fam=" + (v6 ? "InterNetworkV6" : "InterNetwork") + ";";
}

/// The challenge's resource: the vault's DNS suffix, with the port the client used, so that the
/// SDKs' check "request host ends with '.' + resource host" passes for every vault name form.
std::string challenge_resource(const RequestContext& ctx) {
  const std::string host = core::to_lower(std::string(ctx.request[http::field::host]));
  const size_t dot = host.find('.');
  return "https://" + (dot == std::string::npos ? host : host.substr(dot + 1));
}

// Key Vault's answers to a token it cannot accept. A garbage token and a forged one both fail
// key resolution on the real service (AKV10046).
std::string token_failure_message(identity::jwt::Failure failure) {
  switch (failure) {
    case identity::jwt::Failure::kExpired:
      return "Token expired";  // wording unverified
    case identity::jwt::Failure::kNotYetValid:
      return "Token not yet valid";  // reported wording, without its Activity ID
    default:
      return "AKV10046: Unable to resolve the key used for signature validation";
  }
}

}  // namespace

std::string request_base_url(const RequestContext& ctx) {
  return std::string(ctx.connection.tls ? "https://" : "http://") +
         core::to_lower(std::string(ctx.request[http::field::host]));
}

// RBAC vaults name the granting role assignment on every call it authorised, after
// x-ms-keyvault-network-info; access-policy vaults and refused calls send neither header
// (recorded-keyvault.md §4, the JS recordings of keyvault-keys / keyvault-certificates:
// x-ms-keyvault-rbac-assignment-id is the assignment's GUID name). What the cache figures mean
// is not documented [U]: the recordings show five ages in seconds (role assignments, deny
// assignments, role definitions, built-in role definitions, the last assignment notification)
// and a decision level 0..2; kmslab reports every age as the time since this service started on
// the virtual clock and level 1.
void KeyVaultService::add_rbac_headers(const std::string& assignment, core::Reply& reply) const {
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - started_);
  const std::string s = std::to_string(std::max<int64_t>(0, age.count()));
  reply.headers.emplace_back("x-ms-keyvault-rbac-assignment-id", assignment);
  reply.headers.emplace_back("x-ms-keyvault-rbac-cache", "ra_age=" + s + ";da_age=" + s +
                                                             ";rd_age=" + s + ";brd_age=" + s +
                                                             ";ra_notif_age=" + s + ";dec_lev=1;");
}

void KeyVaultService::register_routes(core::Router& router) {
  register_group(router, "keyvault", options_.dns_suffixes, false);
  if (!options_.hsm_dns_suffixes.empty()) {
    register_group(router, "managedhsm", options_.hsm_dns_suffixes, true);
  }
}

// Vaults and Managed HSMs serve the same keys API; they differ in the challenge, the headers
// and the wording of errors (decorate_hsm).
void KeyVaultService::register_group(core::Router& router, const std::string& group,
                                     const std::vector<std::string>& suffixes, bool hsm) {
  std::vector<std::string> hosts;
  for (const auto& suffix : suffixes) hosts.push_back("{vault}." + suffix);
  const auto g = router.add_group(group, hosts);
  // The start of the call, for x-ms-server-latency (Managed HSM) and durationMs (audit).
  router.add_filter(g, [](RequestContext& ctx) -> std::optional<ApiError> {
    stamp_start(ctx);
    return std::nullopt;
  });
  router.add_filter(g, [this, hsm](RequestContext& ctx) { return check_access(ctx, hsm); });
  router.add_filter(g, [this](RequestContext& ctx) { return check_api_version(ctx); });
  router.add_decorator(g, [this, hsm](const RequestContext& ctx, Reply& r) {
    hsm ? decorate_hsm(ctx, r) : decorate(ctx, r);
  });
  // Last: the record sees the answer as it leaves, errors of the filters and faults included.
  router.add_decorator(g, [this](const RequestContext& ctx, Reply& r) { record_audit(ctx, r); });
  // Key Vault's overload answer (reference keyvault.md §6) when the worker pool is full.
  router.set_busy_error(g, errors::throttled());

  using Cost = core::Router::Cost;
  auto add = [&](http::verb verb, const char* path, const char* name, Method m,
                 Cost cost = Cost::kLight) {
    router.add(g, verb, path, name, with_faults(name, bind(m)), cost);
  };
  using S = KeyVaultService;
  // Key generation (RSA-4096 takes seconds), the key checks of an import, and the encryption of
  // backups run on the worker pool.
  add(http::verb::post, "/keys/{name}/create", "keys.create", &S::create_key, Cost::kHeavy);
  add(http::verb::put, "/keys/{name}", "keys.import", &S::import_key, Cost::kHeavy);
  add(http::verb::get, "/keys", "keys.list", &S::list_keys);
  add(http::verb::get, "/keys/{name}/versions", "keys.versions", &S::list_versions);
  add(http::verb::post, "/keys/{name}/rotate", "keys.rotate", &S::rotate_key, Cost::kHeavy);
  add(http::verb::get, "/keys/{name}/rotationpolicy", "keys.rotationpolicy.get",
      &S::get_rotation_policy);
  add(http::verb::put, "/keys/{name}/rotationpolicy", "keys.rotationpolicy.set",
      &S::set_rotation_policy);
  add(http::verb::post, "/keys/{name}/backup", "keys.backup", &S::backup_key, Cost::kHeavy);
  add(http::verb::post, "/keys/restore", "keys.restore", &S::restore_key, Cost::kHeavy);
  add(http::verb::get, "/keys/{name}/{version?}", "keys.get", &S::get_key);
  add(http::verb::patch, "/keys/{name}/{version?}", "keys.update", &S::update_key);
  add(http::verb::delete_, "/keys/{name}", "keys.delete", &S::delete_key);
  add(http::verb::get, "/deletedkeys", "deletedkeys.list", &S::list_deleted_keys);
  add(http::verb::get, "/deletedkeys/{name}", "deletedkeys.get", &S::get_deleted_key);
  add(http::verb::delete_, "/deletedkeys/{name}", "deletedkeys.purge", &S::purge_key);
  add(http::verb::post, "/deletedkeys/{name}/recover", "deletedkeys.recover", &S::recover_key);
  add(http::verb::post, "/rng", "rng", &S::random_bytes);
  // The SDKs' template is /keys/{name}/{version}/release; an empty version folds to this form.
  add(http::verb::post, "/keys/{name}/{version}/release", "keys.release", &S::release_key);
  add(http::verb::post, "/keys/{name}/release", "keys.release", &S::release_key);
  for (const char* op : {"encrypt", "decrypt", "wrapkey", "unwrapkey", "sign", "verify"}) {
    const std::string route = std::string("keys.") + op;
    auto handler = with_faults(route, [this, op](RequestContext& ctx) -> Result<Reply> {
      auto call = resolve(ctx);
      if (!call) return call.error();
      return crypto_op(*call, op);
    });
    // SDKs send "/keys/{name}//encrypt" for the latest version; the router folds the "//".
    router.add(g, http::verb::post, "/keys/{name}/{version}/" + std::string(op), route, handler);
    router.add(g, http::verb::post, "/keys/{name}/" + std::string(op), route, handler);
  }
}

core::Handler KeyVaultService::bind(Method method) {
  return [this, method](RequestContext& ctx) -> Result<Reply> {
    auto call = resolve(ctx);
    if (!call) return call.error();
    try {
      return (this->*method)(*call);
    } catch (const VaultGone&) {  // purged while this request ran: it is gone for this one too
      return errors::vault_not_found(ctx.param("vault"));
    }
  };
}

// Managed HSM's answers (recorded-keyvault.md §9, N:MH/*, C:K.GetRandomBytes.json): CSP,
// X-Frame-Options, HSTS with a space, x-ms-server-latency; no Date, Expires, Pragma or service
// version; region and network info on success only. Errors end " (Activity ID: <uuid>)" (the
// request id here [U]), KeyNotFound names the key's URL, and the challenge is an empty 401 whose
// authority is login.microsoftonline.com.
void KeyVaultService::decorate_hsm(const RequestContext& ctx, Reply& reply) const {
  if (reply.status < 400) {
    if (const auto vault = vaults_.find_shared(ctx.param("vault"))) {
      reply.headers.emplace_back("x-ms-keyvault-region", vault->location);
    }
    reply.headers.emplace_back("x-ms-keyvault-network-info", network_info(ctx));
  } else {
    hsm_error_wording(ctx, reply);
  }
  reply.headers.emplace_back("Content-Security-Policy", "default-src 'self'");
  reply.headers.emplace_back("X-Frame-Options", "SAMEORIGIN");
  reply.headers.emplace_back("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  reply.headers.emplace_back("x-ms-server-latency", std::to_string(elapsed_ms(ctx)));
  reply.headers.emplace_back("Date", "");  // an empty value: the dispatcher sends none
}

void KeyVaultService::hsm_error_wording(const RequestContext& ctx, Reply& reply) const {
  for (auto& [name, value] : reply.headers) {
    const std::string from = "https://login.windows.net/";
    if (core::to_lower(name) == "www-authenticate" && value.find(from) != std::string::npos) {
      value.replace(value.find(from), from.size(), "https://login.microsoftonline.com/");
    }
  }
  auto j = nlohmann::ordered_json::parse(reply.body, nullptr, false);
  if (j.is_discarded() || !j.contains("error") || !j["error"].contains("message")) return;
  auto& error = j["error"];
  if (reply.status == 401 && error.value("message", "").starts_with("AKV10000")) {
    reply.body.clear();  // N:MH/GetRandomBytes(16).json: the challenge has no body
    reply.content_type.clear();
    return;
  }
  if (error.value("code", "") == "KeyNotFound" && !ctx.param("name").empty()) {
    error["message"] = "Key not found: " + request_base_url(ctx) + "/keys/" + ctx.param("name");
  }
  error["message"] = error.value("message", "") + " (Activity ID: " + ctx.request_id + ")";
  reply.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Call> KeyVaultService::resolve(RequestContext& ctx) {
  auto vault = vaults_.find_shared(ctx.param("vault"));
  if (!vault) return errors::vault_not_found(ctx.param("vault"));
  Call call{ctx,
            vault,
            *vault,
            KeyWire(request_base_url(ctx), *vault, ctx.query_param("api-version").value_or("")),
            nlohmann::json(),
            options_.pages};
  const std::string& body = ctx.request.body();
  if (!body.empty()) {
    call.body = core::parse_untrusted_json(body);
    if (call.body.is_discarded() || !call.body.is_object()) {
      return errors::bad_parameter("The request body is not a valid JSON object.");
    }
  }
  return call;
}

std::optional<ApiError> KeyVaultService::check_access(RequestContext& ctx, bool hsm) const {
  const auto vault = vaults_.find_shared(ctx.param("vault"));
  if (!vault || vault->managed_hsm != hsm) return errors::vault_not_found(ctx.param("vault"));
  identity::TokenClaims caller;
  if (auto e = check_token(ctx, *vault, caller)) return e;
  if (!options_.tokens) return std::nullopt;  // no identities: nothing further to judge
  ctx.params[kTokenAcceptedParam] = "1";
  if (auto e =
          access::check_network(*vault, caller, ctx.connection.peer_address, options_.subnets)) {
    return e;
  }
  const access::Operation* op = access::operation_of(ctx.route);
  // Fail closed: a route added without an authorisation entry is a bug, not an open door.
  if (!op) return core::errors::internal(ctx.request_id);
  std::string granted_by;
  auto refused = access::check_authorization(*vault, caller, *op, ctx.param("name"),
                                             options_.role_assignments, &granted_by);
  // Kept with the request for decorate(); the name cannot clash with a {capture} of a route.
  if (!refused && !granted_by.empty()) ctx.params[kRbacAssignmentParam] = granted_by;
  if (!refused)
    ctx.params[kAuthorizedByParam] = vault->rbac ? "rbac" : vault->open_access ? "open" : "policy";
  return refused;
}

std::optional<ApiError> KeyVaultService::check_token(RequestContext& ctx,
                                                     const VaultSettings& vault,
                                                     identity::TokenClaims& caller) const {
  const std::string_view header = ctx.request[http::field::authorization];
  const std::string tenant = !vault.tenant_id.empty() ? vault.tenant_id : options_.default_tenant;
  const std::string resource = challenge_resource(ctx);
  const bool bearer = header.size() > 7 && core::to_lower(header.substr(0, 7)) == "bearer ";
  if (!bearer) return errors::missing_bearer_token(tenant, resource);
  if (!options_.tokens) return std::nullopt;
  const auto verdict = options_.tokens->verify(header.substr(7));
  if (verdict.failure) {
    return errors::unauthorized(tenant, resource, token_failure_message(*verdict.failure));
  }
  caller = verdict.claims;
  if (options_.tokens->lenient()) return std::nullopt;
  if (auto message = access::check_claims(vault, caller, resource)) {
    return errors::unauthorized(tenant, resource, std::move(*message));
  }
  return std::nullopt;
}

std::optional<ApiError> KeyVaultService::check_api_version(RequestContext& ctx) const {
  auto version = ctx.query_param("api-version");
  if (!version || version->empty()) return errors::api_version_missing();
  if (options_.accept_any_api_version || kApiVersions.count(*version)) return std::nullopt;
  // Previews of known versions ("7.6-preview.2") are accepted as their version.
  const size_t dash = version->find("-preview");
  if (dash != std::string::npos && kApiVersions.count(version->substr(0, dash))) {
    return std::nullopt;
  }
  return errors::api_version_unknown(*version, true);
}

void KeyVaultService::decorate(const RequestContext& ctx, Reply& reply) const {
  const auto vault = vaults_.find_shared(ctx.param("vault"));
  if (vault) reply.headers.emplace_back("x-ms-keyvault-region", vault->location);
  reply.headers.emplace_back("x-ms-keyvault-service-version", options_.service_version);
  reply.headers.emplace_back("x-ms-keyvault-network-info", network_info(ctx));
  if (auto it = ctx.params.find(kRbacAssignmentParam); it != ctx.params.end()) {
    add_rbac_headers(it->second, reply);
  }
  reply.headers.emplace_back("Pragma", "no-cache");
  reply.headers.emplace_back("Expires", "-1");
  reply.headers.emplace_back("Strict-Transport-Security", "max-age=31536000;includeSubDomains");
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

}  // namespace kmslab::keyvault
