#include "emulator/faults/rule.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "emulator/core/ms_duration.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::faults {

namespace {

using core::to_lower;
using Json = nlohmann::json;

// What the real service answers when nothing more specific is given. 429 is Key Vault's own
// throttling text (reference/keyvault.md §4, [V]); the 5xx texts are unverified: Key Vault's
// captured 503 says why ("Operation \"SecretSet\" is unavailable: the service is currently in a
// read-only state."), so a rule that needs a particular text gives it in "message".
struct StatusDefault {
  const char* code;
  const char* message;
};
const std::map<unsigned, StatusDefault> kDefaults = {
    {400, {"BadParameter", "The request is not valid."}},
    {401, {"Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."}},
    {403, {"Forbidden", "The caller is not permitted to perform this operation."}},
    {404, {"NotFound", "The requested resource was not found."}},
    {408, {"RequestTimeout", "The request timed out."}},
    {409, {"Conflict", "The request conflicts with the current state of the resource."}},
    {429,
     {"Throttled",
      "Request was not processed because too many requests were received. Reason: "
      "VaultRequestTypeLimitReached"}},
    {500,
     {"InternalServerError",
      "The server encountered an internal error. Please retry the request."}},
    {502, {"BadGateway", "The server received an invalid response. Please retry the request."}},
    {503,
     {"ServiceUnavailable", "The service is currently unavailable. Please retry the request."}},
    {504, {"GatewayTimeout", "The operation timed out. Please retry the request."}},
};

// Entra ID and IMDS answer OAuth errors ({"error","error_description"}). Unverified [U]: the
// AADSTS texts are Entra ID's published descriptions of AADSTS90055 (TenantThrottlingError) and
// AADSTS90033 (transient), and IMDS's are its documented meanings of 429 and 5xx
// (how-to-use-vm-token "Error handling"); a rule that needs a captured text gives "message".
const std::map<unsigned, StatusDefault> kIdentityDefaults = {
    {429,
     {"temporarily_unavailable",
      "AADSTS90055: TenantThrottlingError - There are too many incoming requests."}},
    {500, {"server_error", "AADSTS90033: A transient error has occurred. Please try again."}},
    {503,
     {"temporarily_unavailable", "AADSTS90033: A transient error has occurred. Please try again."}},
};
const std::map<unsigned, StatusDefault> kImdsDefaults = {
    {429, {"too_many_requests", "IMDS rate limit reached. Retry with exponential back-off."}},
    {500, {"unknown_error", "Transient error in IMDS. Retry after a period."}},
    {503, {"unknown_error", "IMDS is temporarily unavailable. Retry after a period."}},
};

StatusDefault default_for(unsigned status, const std::string& service) {
  if (service != "keyvault") {
    const auto& table = service == "imds" ? kImdsDefaults : kIdentityDefaults;
    if (auto it = table.find(status); it != table.end()) return it->second;
    return status < 500
               ? StatusDefault{"invalid_request", "The request could not be processed."}
               : StatusDefault{"server_error", "The server encountered an internal error."};
  }
  auto it = kDefaults.find(status);
  if (it != kDefaults.end()) return it->second;
  return status < 500 ? StatusDefault{"BadRequest", "The request could not be processed."}
                      : StatusDefault{"InternalServerError",
                                      "The server encountered an internal error. Please retry "
                                      "the request."};
}

bool is_guid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

std::string join(const std::set<std::string>& names) {
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  return list;
}

/// Fails on a member of `j` that is not in `allowed`.
std::optional<std::string> unknown_member(const Json& j, const std::set<std::string>& allowed,
                                          const std::string& where) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!allowed.count(it.key())) {
      return "Unknown field '" + it.key() + "' in " + where + "; allowed: " + join(allowed) + ".";
    }
  }
  return std::nullopt;
}

/// An integer member in [lo, hi], or an error.
std::variant<int64_t, std::string> integer_in(const Json& j, const std::string& name, int64_t lo,
                                              int64_t hi) {
  const Json& v = j.at(name);
  if (!v.is_number_integer() ||
      (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi))) {
    return "'" + name + "' must be an integer from " + std::to_string(lo) + " to " +
           std::to_string(hi) + ".";
  }
  const int64_t n = v.get<int64_t>();
  if (n < lo || n > hi) {
    return "'" + name + "' must be an integer from " + std::to_string(lo) + " to " +
           std::to_string(hi) + ".";
  }
  return n;
}

std::optional<std::string> parse_caller(const std::string& text, Match& m) {
  if (auto range = core::parse_ipv4_cidr(text)) {
    m.caller_range = range;
  } else if (is_guid(text)) {
    m.caller_object_id = to_lower(text);
  } else if (text.find(':') != std::string::npos && text.size() <= 45 &&
             std::all_of(text.begin(), text.end(), [](char c) {
               return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
             })) {
    m.caller_address = to_lower(text);
  } else {
    return "'match.caller' must be an object id (a GUID) or a source address (IPv4 address, "
           "IPv4 CIDR range or IPv6 address); got '" +
           text + "'.";
  }
  return std::nullopt;
}

std::variant<Match, std::string> parse_match(const Json& j, const OperationNames& operations) {
  Match m;
  if (!j.is_object()) return std::string("'match' must be an object.");
  if (auto e = unknown_member(j, {"service", "vault", "key", "operation", "caller"}, "'match'")) {
    return *e;
  }
  for (const char* name : {"service", "vault", "key", "operation", "caller"}) {
    if (!j.contains(name)) continue;
    if (!j[name].is_string() || j[name].get<std::string>().empty() ||
        j[name].get<std::string>().size() > 256) {
      return "'match." + std::string(name) + "' must be a non-empty string.";
    }
  }
  if (j.contains("service")) m.service = to_lower(j["service"].get<std::string>());
  if (!kServices.count(m.service)) {
    return "'match.service' must be one of " + join(kServices) + "; got '" +
           j["service"].get<std::string>() + "'.";
  }
  for (const char* name : {"vault", "key"}) {
    if (j.contains(name) && m.service != "keyvault")
      return "'match." + std::string(name) + "' applies to service \"keyvault\" only.";
  }
  if (j.contains("vault")) m.vault = to_lower(j["vault"].get<std::string>());
  if (j.contains("key")) m.key = to_lower(j["key"].get<std::string>());
  if (j.contains("operation")) {
    m.operation = to_lower(j["operation"].get<std::string>());
    const auto names = operations.find(m.service);
    if (!operations.empty() && (names == operations.end() || !names->second.count(*m.operation))) {
      const std::string list = names == operations.end() ? "" : join(names->second);
      return "Unknown operation '" + j["operation"].get<std::string>() + "' of service " +
             m.service + "; one of: " + list + ".";
    }
  }
  if (j.contains("caller")) {
    if (auto e = parse_caller(j["caller"].get<std::string>(), m)) return *e;
  }
  return m;
}

std::variant<Action, std::string> parse_error_action(const Json& j, const std::string& service) {
  if (auto e = unknown_member(j, {"type", "status", "code", "message", "retryAfter"},
                              "an error action")) {
    return *e;
  }
  if (!j.contains("status")) return std::string("An error action needs 'status' (400-599).");
  auto status = integer_in(j, "status", 400, 599);
  if (auto* e = std::get_if<std::string>(&status)) return *e;
  ErrorAction a;
  a.status = static_cast<unsigned>(std::get<int64_t>(status));
  a.oauth = service != "keyvault";
  const StatusDefault d = default_for(a.status, service);
  a.code = d.code;
  a.message = d.message;
  for (const char* name : {"code", "message"}) {
    if (!j.contains(name)) continue;
    if (!j[name].is_string() || j[name].get<std::string>().empty() ||
        j[name].get<std::string>().size() > 4096) {
      return "'action." + std::string(name) + "' must be a non-empty string.";
    }
  }
  if (j.contains("code")) a.code = j["code"].get<std::string>();
  if (j.contains("message")) a.message = j["message"].get<std::string>();
  if (j.contains("retryAfter")) {
    auto r = integer_in(j, "retryAfter", 0, 86400);
    if (auto* e = std::get_if<std::string>(&r)) return "'action." + e->substr(1);
    a.retry_after = std::get<int64_t>(r);
  }
  return Action{a};
}

constexpr const char* kActionTypes =
    "one of \"error\", \"latency\", \"reset\", \"slowBody\", \"reply\".";

// A reply body is kept whole in the rule's stored record: 1 MiB is past any real answer.
constexpr size_t kMaxReplyBody = 1 << 20;

std::variant<Action, std::string> parse_reply_action(const Json& j) {
  if (auto e = unknown_member(j, {"type", "status", "body", "contentType"}, "a reply action"))
    return *e;
  ReplyAction a;
  if (j.contains("status")) {
    auto status = integer_in(j, "status", 200, 599);
    if (auto* e = std::get_if<std::string>(&status)) return *e;
    a.status = static_cast<unsigned>(std::get<int64_t>(status));
  }
  if (!j.contains("body") || !j["body"].is_string() ||
      j["body"].get<std::string>().size() > kMaxReplyBody) {
    return std::string("A reply action needs 'body', a string of at most 1 MiB.");
  }
  a.body = j["body"].get<std::string>();
  if (j.contains("contentType")) {
    const std::string t = j["contentType"].is_string() ? j["contentType"].get<std::string>() : "";
    // Written into a header line: printable ASCII only.
    if (t.empty() || t.size() > 256 ||
        !std::all_of(t.begin(), t.end(), [](char c) { return c >= 0x20 && c < 0x7f; })) {
      return std::string("'action.contentType' must be a media type (printable ASCII).");
    }
    a.content_type = t;
  }
  return Action{a};
}

std::variant<Action, std::string> parse_action(const Json& j, const std::string& service) {
  if (!j.is_object()) return std::string("'action' must be an object.");
  if (!j.contains("type") || !j["type"].is_string())
    return std::string("'action.type' must be ") + kActionTypes;
  const std::string type = j["type"].get<std::string>();
  if (type == "error") return parse_error_action(j, service);
  if (type == "latency") {
    if (auto e = unknown_member(j, {"type", "ms"}, "a latency action")) return *e;
    if (!j.contains("ms")) return std::string("A latency action needs 'ms'.");
    auto ms = integer_in(j, "ms", 0, 600'000);  // ten minutes: past any client's deadline
    if (auto* e = std::get_if<std::string>(&ms)) return *e;
    return Action{LatencyAction{std::get<int64_t>(ms)}};
  }
  if (type == "reset") {
    if (auto e = unknown_member(j, {"type"}, "a reset action")) return *e;
    return Action{ResetAction{}};
  }
  if (type == "slowBody") {
    if (auto e = unknown_member(j, {"type", "bytesPerSecond"}, "a slowBody action")) return *e;
    if (!j.contains("bytesPerSecond"))
      return std::string("A slowBody action needs 'bytesPerSecond'.");
    auto bps = integer_in(j, "bytesPerSecond", 1, 1'000'000'000);
    if (auto* e = std::get_if<std::string>(&bps)) return *e;
    return Action{SlowBodyAction{std::get<int64_t>(bps)}};
  }
  if (type == "reply") return parse_reply_action(j);
  return "Unknown action type '" + type + "'; " + kActionTypes;
}

// count, probability and ttl.
std::optional<std::string> parse_lifetime(const Json& j, Rule& r) {
  if (j.contains("count")) {
    auto c = integer_in(j, "count", 1, int64_t{1} << 53);
    if (auto* e = std::get_if<std::string>(&c)) return *e;
    r.count = std::get<int64_t>(c);
  }
  if (j.contains("probability")) {
    const Json& p = j["probability"];
    if (!p.is_number() || !std::isfinite(p.get<double>()) || p.get<double>() < 0 ||
        p.get<double>() > 1) {
      return std::string("'probability' must be a number from 0 to 1.");
    }
    r.probability = p.get<double>();
  }
  if (j.contains("ttl")) {
    const auto d =
        j["ttl"].is_string() ? core::parse_duration(j["ttl"].get<std::string>()) : std::nullopt;
    // A century at most: created + ttl stays inside the clock's range.
    if (!d || *d <= core::Duration::zero() || *d > std::chrono::hours(24 * 36'500)) {
      return std::string(
          "'ttl' must be a positive duration of at most 36500d, such as \"10m\", "
          "\"36h\", \"15s\" or \"1d12h\".");
    }
    r.ttl = *d;
    r.ttl_text = j["ttl"].get<std::string>();
  }
  return std::nullopt;
}

nlohmann::ordered_json match_json(const Match& m) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (m.service != "keyvault") j["service"] = m.service;
  if (m.vault) j["vault"] = *m.vault;
  if (m.key) j["key"] = *m.key;
  if (m.operation) j["operation"] = *m.operation;
  if (m.caller_object_id) j["caller"] = *m.caller_object_id;
  if (m.caller_range) {
    j["caller"] = m.caller_range->prefix == 32 ? core::format_ipv4(m.caller_range->network)
                                               : m.caller_range->to_string();
  }
  if (m.caller_address) j["caller"] = *m.caller_address;
  return j;
}

struct ActionJson {
  nlohmann::ordered_json operator()(const ErrorAction& a) const {
    nlohmann::ordered_json j = {
        {"type", "error"}, {"status", a.status}, {"code", a.code}, {"message", a.message}};
    if (a.retry_after) j["retryAfter"] = *a.retry_after;
    return j;
  }
  nlohmann::ordered_json operator()(const LatencyAction& a) const {
    return {{"type", "latency"}, {"ms", a.ms}};
  }
  nlohmann::ordered_json operator()(const ResetAction&) const { return {{"type", "reset"}}; }
  nlohmann::ordered_json operator()(const SlowBodyAction& a) const {
    return {{"type", "slowBody"}, {"bytesPerSecond", a.bytes_per_second}};
  }
  nlohmann::ordered_json operator()(const ReplyAction& a) const {
    return {
        {"type", "reply"}, {"status", a.status}, {"body", a.body}, {"contentType", a.content_type}};
  }
};

// The fields parse_rule reads, as it would read them back (count: what is left).
nlohmann::ordered_json rule_fields(const Rule& r) {
  nlohmann::ordered_json j;
  j["match"] = match_json(r.match);
  j["action"] = std::visit(ActionJson{}, r.action);
  if (r.count) j["count"] = *r.count;
  j["probability"] = r.probability;
  if (r.ttl) j["ttl"] = r.ttl_text;
  return j;
}

int64_t millis(core::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

bool Match::matches(const FaultTarget& t) const {
  if (to_lower(t.service) != service) return false;
  if (vault && to_lower(t.vault) != *vault) return false;
  if (key && to_lower(t.key) != *key) return false;
  if (operation && to_lower(t.operation) != *operation) return false;
  if (caller_object_id && to_lower(t.caller_object_id) != *caller_object_id) return false;
  if (caller_range) {
    const auto ip = core::parse_ipv4(t.peer_address);
    if (!ip || !caller_range->contains(*ip)) return false;
  }
  if (caller_address && to_lower(t.peer_address) != *caller_address) return false;
  return true;
}

std::optional<core::TimePoint> Rule::expires() const {
  if (!ttl) return std::nullopt;
  return created + *ttl;
}

bool Rule::expired(core::TimePoint now) const {
  const auto end = expires();
  return (end && now >= *end) || (count && *count <= 0);
}

std::variant<Rule, std::string> parse_rule(const Json& j, const OperationNames& operations) {
  if (!j.is_object()) return std::string("The rule must be a JSON object.");
  if (auto e = unknown_member(j, {"match", "action", "count", "probability", "ttl"}, "the rule")) {
    return *e;
  }
  if (!j.contains("action")) return std::string("The rule needs an 'action'.");
  Rule r;
  if (j.contains("match")) {
    auto m = parse_match(j["match"], operations);
    if (auto* e = std::get_if<std::string>(&m)) return *e;
    r.match = std::get<Match>(std::move(m));
  }
  auto a = parse_action(j["action"], r.match.service);
  if (auto* e = std::get_if<std::string>(&a)) return *e;
  r.action = std::get<Action>(std::move(a));
  if (auto e = parse_lifetime(j, r)) return *e;
  return r;
}

nlohmann::ordered_json to_json(const Rule& r) {
  nlohmann::ordered_json j;
  j["id"] = r.id;
  const nlohmann::ordered_json fields = rule_fields(r);
  for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = *it;
  j["created"] = core::format_rfc3339(r.created);
  if (auto end = r.expires()) j["expires"] = core::format_rfc3339(*end);
  j["fired"] = r.fired;
  return j;
}

std::string to_stored(const Rule& r) {
  const nlohmann::ordered_json j = {{"id", r.id},
                                    {"rule", rule_fields(r)},
                                    {"created_ms", millis(r.created)},
                                    {"fired", r.fired}};
  return j.dump();
}

std::optional<Rule> from_stored(const std::string& text) {
  const Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("rule") || !j.contains("id") ||
      !j["id"].is_string() || !j.value("created_ms", Json()).is_number_integer() ||
      !j.value("fired", Json()).is_number_integer() ||
      !core::duration_from_ms(j["created_ms"].get<int64_t>())) {
    return std::nullopt;
  }
  auto parsed = parse_rule(j["rule"], {});
  if (!std::holds_alternative<Rule>(parsed)) return std::nullopt;
  Rule r = std::get<Rule>(std::move(parsed));
  r.id = j["id"].get<std::string>();
  r.created = core::TimePoint(*core::duration_from_ms(j["created_ms"].get<int64_t>()));
  r.fired = j["fired"].get<int64_t>();
  return r;
}

core::Reply error_reply(const ErrorAction& a) {
  if (a.oauth) {
    core::Reply r = core::Reply::ordered(
        nlohmann::ordered_json{{"error", a.code}, {"error_description", a.message}}, a.status);
    if (a.retry_after) r.headers.emplace_back("Retry-After", std::to_string(*a.retry_after));
    return r;
  }
  core::ApiError e{a.status, a.code, a.message, std::nullopt, {}};
  if (a.retry_after) e.headers.emplace_back("Retry-After", std::to_string(*a.retry_after));
  return core::to_reply(e);
}

}  // namespace kmslab::faults
