#include "emulator/keyvault/audit_event.hpp"

#include <cstdio>
#include <map>

namespace kmslab::keyvault {

namespace {

// logging.md's "Operation names table". KeyRotate, KeyRotationPolicyGet/Set, KeyRelease and
// GetRandomBytes are not in that table (it predates those APIs): they follow its ObjectVerb
// pattern and are unverified [U].
const std::map<std::string, std::string>& operation_names() {
  static const std::map<std::string, std::string> names = {
      {"keys.create", "KeyCreate"},
      {"keys.import", "KeyImport"},
      {"keys.list", "KeyList"},
      {"keys.versions", "KeyListVersions"},
      {"keys.rotate", "KeyRotate"},
      {"keys.rotationpolicy.get", "KeyRotationPolicyGet"},
      {"keys.rotationpolicy.set", "KeyRotationPolicySet"},
      {"keys.backup", "KeyBackup"},
      {"keys.restore", "KeyRestore"},
      {"keys.get", "KeyGet"},
      {"keys.update", "KeyUpdate"},
      {"keys.delete", "KeyDelete"},
      {"deletedkeys.list", "KeyListDeleted"},
      {"deletedkeys.get", "KeyGetDeleted"},
      {"deletedkeys.purge", "KeyPurge"},
      {"deletedkeys.recover", "KeyRecover"},
      {"rng", "GetRandomBytes"},
      {"keys.release", "KeyRelease"},
      {"keys.encrypt", "KeyEncrypt"},
      {"keys.decrypt", "KeyDecrypt"},
      {"keys.wrapkey", "KeyWrap"},
      {"keys.unwrapkey", "KeyUnwrap"},
      {"keys.sign", "KeySign"},
      {"keys.verify", "KeyVerify"},
  };
  return names;
}

}  // namespace

std::string audit_operation_name(const std::string& route, unsigned status) {
  // The bearer challenge and refused tokens are logged as the authentication step itself.
  if (status == 401) return "Authentication";
  const auto it = operation_names().find(route);
  return it == operation_names().end() ? route : it->second;
}

// Key Vault is a .NET service: the signature is the HttpStatusCode enum's name, as the
// documented sample's "OK" is.
std::string audit_result_signature(unsigned status) {
  static const std::map<unsigned, std::string> names = {{200, "OK"},
                                                        {201, "Created"},
                                                        {202, "Accepted"},
                                                        {204, "NoContent"},
                                                        {400, "BadRequest"},
                                                        {401, "Unauthorized"},
                                                        {403, "Forbidden"},
                                                        {404, "NotFound"},
                                                        {405, "MethodNotAllowed"},
                                                        {409, "Conflict"},
                                                        {413, "RequestEntityTooLarge"},
                                                        {429, "TooManyRequests"},
                                                        {500, "InternalServerError"},
                                                        {502, "BadGateway"},
                                                        {503, "ServiceUnavailable"},
                                                        {504, "GatewayTimeout"}};
  const auto it = names.find(status);
  return it == names.end() ? std::to_string(status) : it->second;
}

std::string audit_time(core::TimePoint t) {
  std::string seconds = core::format_rfc3339(t);  // "...:01Z"
  const auto since = t.time_since_epoch();
  int64_t ticks = std::chrono::duration_cast<std::chrono::nanoseconds>(since).count() % 1000000000;
  if (ticks < 0) ticks += 1000000000;
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%07lld", static_cast<long long>(ticks / 100));
  seconds.insert(seconds.size() - 1, fraction);
  return seconds;
}

nlohmann::ordered_json audit_event(const AuditFacts& f) {
  nlohmann::ordered_json record;
  record["time"] = audit_time(f.time);
  // The sample shows the id upper-cased, as Azure Monitor's storage export writes it.
  std::string id = f.resource_id;
  for (auto& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  record["resourceId"] = id;
  record["operationName"] = audit_operation_name(f.route, f.status);
  record["operationVersion"] = f.api_version;
  record["category"] = "AuditEvent";
  // [U] The docs say only "Result of the REST API request"; kmslab writes Success below 400.
  record["resultType"] = f.status < 400 ? "Success" : "Failure";
  record["resultSignature"] = audit_result_signature(f.status);
  record["resultDescription"] = f.error_message;
  record["durationMs"] = std::to_string(f.duration_ms);  // a string in the documented sample
  record["callerIpAddress"] = f.caller_ip;
  record["correlationId"] = f.correlation_id;
  nlohmann::ordered_json claim = nlohmann::ordered_json::object();
  if (f.claims) {
    auto copy = [&](const char* from, const char* to) {
      if (f.claims->contains(from) && (*f.claims)[from].is_string()) {
        claim[to] = (*f.claims)[from].get<std::string>();
      }
    };
    copy("oid", "http://schemas.microsoft.com/identity/claims/objectidentifier");
    copy("upn", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn");
    copy("appid", "appid");
    if (!claim.contains("appid")) copy("azp", "appid");  // v2 tokens name the app azp
    copy("xms_mirid", "xms_mirid");                      // managed identities' resource id
  }
  record["identity"] = {{"claim", claim}};
  nlohmann::ordered_json p;
  p["clientInfo"] = f.user_agent;
  p["requestUri"] = f.request_uri;
  p["id"] = f.object_id;
  p["httpStatusCode"] = f.status;
  if (!f.rbac_vault) {
    p["isAccessPolicyMatch"] = f.authorized_by == "policy" || f.authorized_by == "open";
  } else {
    p["isRbacAuthorized"] = f.authorized_by == "rbac";
    if (!f.rbac_assignment.empty()) p["appliedAssignmentId"] = f.rbac_assignment;
  }
  record["properties"] = std::move(p);
  return record;
}

}  // namespace kmslab::keyvault
