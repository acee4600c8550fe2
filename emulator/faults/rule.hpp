#pragma once
// One fault rule: what it matches, what it does, and how long it lives. The JSON form is the
// admin API's (README "Fault injection"):
//   {"match": {"service":"keyvault | identity | imds","vault":"v1","key":"k1",
//              "operation":"encrypt","caller":"<oid> | <IPv4 or CIDR>"},
//    "action": {"type":"error","status":429,"code":"Throttled","message":"...","retryAfter":2}
//            | {"type":"latency","ms":4000} | {"type":"reset"}
//            | {"type":"slowBody","bytesPerSecond":64}
//            | {"type":"reply","status":200,"body":"{}","contentType":"application/json"},
//    "count": 3, "probability": 0.5, "ttl": "10m"}
// parse_rule() is the one gate: anything it accepts is a rule the injector can run.
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "emulator/core/clock.hpp"
#include "emulator/core/http.hpp"
#include "emulator/core/ipv4.hpp"

namespace kmslab::faults {

/// The surfaces that opt in: the Key Vault data plane, the Entra ID token endpoint, and the
/// managed identity endpoint (IMDS). Identity and IMDS answer errors in OAuth's flat form.
inline const std::set<std::string> kServices = {"identity", "imds", "keyvault"};

/// What a request looks like to the matcher. A surface fills it from its own routes.
struct FaultTarget {
  std::string service;  // one of kServices
  std::string vault;
  std::string key;
  std::string operation;         // the surface's operation name ("encrypt", "get", ...)
  std::string caller_object_id;  // oid of the authenticated caller, "" when unknown
  std::string peer_address;      // the TCP peer, as the firewall sees it
};

struct Match {
  std::string service = "keyvault";
  std::optional<std::string> vault, key, operation;  // lower-case; absent = any (vault and key:
                                                     // keyvault only)
  std::optional<std::string> caller_object_id;       // lower-case GUID
  std::optional<core::Ipv4Cidr> caller_range;        // an IPv4 address is a /32
  std::optional<std::string> caller_address;         // other addresses (IPv6), exact

  bool matches(const FaultTarget& t) const;
};

struct ErrorAction {
  bool oauth = false;  // {"error","error_description"} (identity, imds) instead of Azure's envelope
  unsigned status = 500;
  std::string code;
  std::string message;
  std::optional<int64_t> retry_after;  // seconds, sent as Retry-After
};
struct LatencyAction {
  int64_t ms = 0;
};
struct ResetAction {};
struct SlowBodyAction {
  int64_t bytes_per_second = 0;
};
/// A canned answer in place of the operation's (which does not run): a 200 that lacks fields, a
/// truncated body, an HTML error page from a proxy.
struct ReplyAction {
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
};
using Action = std::variant<ErrorAction, LatencyAction, ResetAction, SlowBodyAction, ReplyAction>;

struct Rule {
  std::string id;
  Match match;
  Action action;
  std::optional<int64_t> count;       // fires left; absent = unlimited
  double probability = 1.0;           // chance that a matching request fires it
  std::optional<core::Duration> ttl;  // lifetime on the virtual clock
  std::string ttl_text;               // as given ("10m")
  core::TimePoint created{};
  int64_t fired = 0;

  std::optional<core::TimePoint> expires() const;
  bool expired(core::TimePoint now) const;
};

/// Names the matcher accepts in match.operation, per service (an empty map: any name).
using OperationNames = std::map<std::string, std::set<std::string>>;

/// Validates a rule from the admin API. The error string says what is wrong, for a 400.
/// `operations`: the valid operation names (lower-case); empty accepts any.
std::variant<Rule, std::string> parse_rule(const nlohmann::json& j,
                                           const OperationNames& operations);

/// The rule as the admin API shows it: the accepted fields, plus id, created, expires, fired.
nlohmann::ordered_json to_json(const Rule& rule);
/// The stored form (to_json plus the bookkeeping); from_stored gives nullopt for a damaged record.
std::string to_stored(const Rule& rule);
std::optional<Rule> from_stored(const std::string& text);

/// What an error action answers with: Azure's envelope, or OAuth's flat error for identity and
/// IMDS (default code and message per status and service).
core::Reply error_reply(const ErrorAction& action);

}  // namespace kmslab::faults
