// Every data-plane answer becomes an AuditEvent record (audit_event.hpp) in its vault's log
// (audit_log.hpp); the admin API reads the logs back:
//   GET /_kmslab/vaults/{vault}/audit-events?since=RFC3339&operation=KeyDecrypt&limit=N
//   GET /_kmslab/audit-events (every vault's, merged by time), same parameters
// -> {"records":[...]}, oldest first (scenarios/SCHEMA.md, the `audit` action).
#include "emulator/identity/jwt.hpp"
#include "emulator/keyvault/audit_event.hpp"
#include "emulator/keyvault/call.hpp"
#include "emulator/keyvault/errors.hpp"

namespace kmslab::keyvault {

using core::Reply;
using core::RequestContext;
using core::Result;
namespace http = core::http;

namespace {

std::string string_at(const nlohmann::json& j, const char* object, const char* member) {
  const nlohmann::json* at = &j;
  if (object) {
    if (!j.contains(object) || !j[object].is_object()) return "";
    at = &j[object];
  }
  const auto it = at->find(member);
  return it != at->end() && it->is_string() ? it->get<std::string>() : "";
}

// The answer's error message, or the key (version) it returned: logging.md's properties.id is
// the URI of the object a call returned (KeyCreate names the new version). Only these two
// strings are read from the body; nothing else of it reaches the record.
std::pair<std::string, std::string> message_and_kid(const Reply& reply) {
  if (reply.body.empty() || reply.body.front() != '{') return {};
  const auto j = nlohmann::json::parse(reply.body, nullptr, false);
  if (!j.is_object()) return {};
  if (reply.status >= 400) return {string_at(j, "error", "message"), ""};
  std::string kid = string_at(j, "key", "kid");
  return {"", kid.empty() ? string_at(j, nullptr, "kid") : kid};
}

std::string resource_id_of(const VaultSettings& vault) {
  if (!vault.managed_hsm) return vault.resource_id();
  return "/subscriptions/" + vault.subscription_id + "/resourceGroups/" + vault.resource_group +
         "/providers/Microsoft.KeyVault/managedHSMs/" + vault.name;
}

// properties.id: the object the call named (the key, its version, the deleted key) or the vault.
std::string object_url(const RequestContext& ctx, const std::string& base) {
  const std::string& name = ctx.param("name");
  if (name.empty()) return base + "/";
  const bool deleted = ctx.route.rfind("deletedkeys.", 0) == 0;
  std::string url = base + (deleted ? "/deletedkeys/" : "/keys/") + name;
  if (!ctx.param("version").empty()) url += "/" + ctx.param("version");
  return url;
}

}  // namespace

void KeyVaultService::stamp_start(RequestContext& ctx) {
  ctx.params[kStartParam] = std::to_string(std::chrono::steady_clock::now().time_since_epoch() /
                                           std::chrono::microseconds(1));
}

int64_t KeyVaultService::elapsed_ms(const RequestContext& ctx) {
  const auto it = ctx.params.find(kStartParam);
  if (it == ctx.params.end()) return 0;
  const int64_t now_us =
      std::chrono::steady_clock::now().time_since_epoch() / std::chrono::microseconds(1);
  return std::max<int64_t>(0, (now_us - std::stoll(it->second)) / 1000);
}

void KeyVaultService::record_audit(const RequestContext& ctx, const Reply& reply) {
  if (!audit_ || reply.delivery.reset) return;  // a reset connection got no answer to log
  const auto vault = vaults_.find_shared(ctx.param("vault"));
  if (!vault) return;  // no vault, no log to write to (the name does not resolve in Azure)
  AuditFacts f;
  f.time = clock_.now();
  f.resource_id = resource_id_of(*vault);
  f.route = ctx.route;
  f.api_version = ctx.query_param("api-version").value_or("");
  f.status = reply.status;
  auto [message, kid] = message_and_kid(reply);
  f.error_message = std::move(message);
  f.duration_ms = elapsed_ms(ctx);
  f.caller_ip = ctx.connection.peer_address;
  // The documented meaning is the client's optional GUID (x-ms-client-request-id); without one
  // kmslab writes its x-ms-request-id, so that a record can always be tied to its answer.
  const auto client_id = ctx.request.find("x-ms-client-request-id");
  f.correlation_id =
      client_id != ctx.request.end() ? std::string(client_id->value()) : ctx.request_id;
  const std::string base = request_base_url(ctx);
  f.request_uri = base + std::string(ctx.request.target());
  f.object_id = kid.empty() ? object_url(ctx, base) : kid;
  f.user_agent = std::string(ctx.request[http::field::user_agent]);
  if (ctx.params.count(kTokenAcceptedParam)) {
    const std::string_view header = ctx.request[http::field::authorization];
    const auto jwt = identity::jwt::decode_unverified(header.substr(7));
    if (jwt && jwt->claims.is_object()) f.claims = jwt->claims;
  }
  if (auto it = ctx.params.find(kAuthorizedByParam); it != ctx.params.end()) {
    f.authorized_by = it->second;
  }
  if (auto it = ctx.params.find(kRbacAssignmentParam); it != ctx.params.end()) {
    f.rbac_assignment = it->second;
  }
  f.rbac_vault = vault->rbac;
  try {
    audit_->append(vault->name, audit_event(f));
  } catch (const store::StoreError&) {
    // The call's answer stands without its record (a full disk refuses the write, not the call).
  }
}

void KeyVaultService::register_admin_routes(core::Router& router, core::Router::GroupId admin) {
  if (!audit_) return;
  auto serve = [this](RequestContext& ctx, bool all) -> Result<Reply> {
    auto q = parse_audit_query(ctx.query);
    if (auto* message = std::get_if<std::string>(&q)) return errors::bad_parameter(*message);
    const auto& query = std::get<AuditQuery>(q);
    nlohmann::ordered_json records = nlohmann::ordered_json::array();
    if (all) {
      for (auto& r : audit_->query_all(query)) records.push_back(std::move(r));
    } else {
      const std::string& name = ctx.param("vault");
      if (!vaults_.find_any(name) && !audit_->has_records(name)) {
        return errors::vault_not_found(name);
      }
      for (auto& r : audit_->query(name, query)) records.push_back(std::move(r));
    }
    nlohmann::ordered_json body;
    body["records"] = std::move(records);
    return Reply::ordered(body);
  };
  router.add(admin, http::verb::get, "/_kmslab/vaults/{vault}/audit-events", "admin.audit.vault",
             [serve](RequestContext& ctx) { return serve(ctx, false); });
  router.add(admin, http::verb::get, "/_kmslab/audit-events", "admin.audit.all",
             [serve](RequestContext& ctx) { return serve(ctx, true); });
}

}  // namespace kmslab::keyvault
