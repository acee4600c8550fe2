// Fault rules: validation (each bad rule gets a 400 text naming the problem), matching, and the
// stored form.
#include "emulator/faults/rule.hpp"

#include <gtest/gtest.h>

namespace kmslab::faults {
namespace {

using nlohmann::json;

const OperationNames kOps = {{"keyvault", {"encrypt", "decrypt", "get", "create"}},
                             {"imds", {"token"}}};

Rule parse_ok(const json& j) {
  auto r = parse_rule(j, kOps);
  EXPECT_TRUE(std::holds_alternative<Rule>(r)) << std::get<std::string>(r);
  return std::get<Rule>(std::move(r));
}

std::string parse_error(const json& j) {
  auto r = parse_rule(j, kOps);
  EXPECT_TRUE(std::holds_alternative<std::string>(r)) << j.dump();
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

TEST(FaultRule, AcceptsTheDocumentedShape) {
  const Rule r = parse_ok(json::parse(R"({
      "match": {"vault": "V1", "key": "k1", "operation": "Encrypt", "caller": "127.0.0.0/8"},
      "action": {"type": "error", "status": 429, "code": "Throttled", "message": "m",
                 "retryAfter": 2},
      "count": 3, "probability": 0.5, "ttl": "10m"})"));
  EXPECT_EQ(r.match.vault, "v1");
  EXPECT_EQ(r.match.operation, "encrypt");
  ASSERT_TRUE(r.match.caller_range);
  EXPECT_EQ(r.match.caller_range->prefix, 8);
  const auto& e = std::get<ErrorAction>(r.action);
  EXPECT_EQ(e.status, 429u);
  EXPECT_EQ(e.retry_after, 2);
  EXPECT_EQ(r.count, 3);
  EXPECT_DOUBLE_EQ(r.probability, 0.5);
  EXPECT_EQ(r.ttl, std::chrono::minutes(10));
}

TEST(FaultRule, ErrorDefaultsAreAzureCodesAndMessages) {
  const auto e429 =
      std::get<ErrorAction>(parse_ok({{"action", {{"type", "error"}, {"status", 429}}}}).action);
  EXPECT_EQ(e429.code, "Throttled");
  EXPECT_EQ(e429.message,
            "Request was not processed because too many requests were received. Reason: "
            "VaultRequestTypeLimitReached");
  EXPECT_EQ(
      std::get<ErrorAction>(parse_ok({{"action", {{"type", "error"}, {"status", 503}}}}).action)
          .code,
      "ServiceUnavailable");
  EXPECT_EQ(
      std::get<ErrorAction>(parse_ok({{"action", {{"type", "error"}, {"status", 500}}}}).action)
          .code,
      "InternalServerError");
  const core::Reply reply = error_reply(e429);
  EXPECT_EQ(reply.status, 429u);
  EXPECT_EQ(json::parse(reply.body),
            json({{"error", {{"code", "Throttled"}, {"message", e429.message}}}}));
  EXPECT_TRUE(reply.headers.empty());  // no Retry-After unless the rule asks for one
  ErrorAction with_retry = e429;
  with_retry.retry_after = 7;
  const auto headers = error_reply(with_retry).headers;
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0], (std::pair<std::string, std::string>{"Retry-After", "7"}));
}

TEST(FaultRule, OtherActions) {
  EXPECT_EQ(
      std::get<LatencyAction>(parse_ok({{"action", {{"type", "latency"}, {"ms", 4000}}}}).action)
          .ms,
      4000);
  EXPECT_TRUE(
      std::holds_alternative<ResetAction>(parse_ok({{"action", {{"type", "reset"}}}}).action));
  EXPECT_EQ(std::get<SlowBodyAction>(
                parse_ok({{"action", {{"type", "slowBody"}, {"bytesPerSecond", 64}}}}).action)
                .bytes_per_second,
            64);
  const auto reply =
      std::get<ReplyAction>(parse_ok({{"action", {{"type", "reply"}, {"body", "{}"}}}}).action);
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, "{}");
  EXPECT_EQ(reply.content_type, "application/json; charset=utf-8");
}

TEST(FaultRule, RefusesBadRulesWithAClearReason) {
  const json error = {{"type", "error"}, {"status", 429}};
  struct Case {
    json rule;
    std::string says;
  };
  const std::vector<Case> cases = {
      {json::array(), "JSON object"},
      {json::object(), "needs an 'action'"},
      {{{"action", {{"type", "explode"}}}}, "Unknown action type 'explode'"},
      {{{"action", {{"status", 429}}}}, "'action.type'"},
      {{{"action", {{"type", "error"}, {"status", 399}}}}, "'status' must be an integer from 400"},
      {{{"action", {{"type", "error"}, {"status", 600}}}}, "'status'"},
      {{{"action", {{"type", "error"}, {"status", "429"}}}}, "'status'"},
      {{{"action", {{"type", "error"}}}}, "needs 'status'"},
      {{{"action", {{"type", "error"}, {"status", 429}, {"retryAfter", -1}}}}, "retryAfter"},
      {{{"action", {{"type", "latency"}}}}, "needs 'ms'"},
      {{{"action", {{"type", "latency"}, {"ms", 1.5}}}}, "'ms'"},
      {{{"action", {{"type", "slowBody"}, {"bytesPerSecond", 0}}}}, "'bytesPerSecond'"},
      {{{"action", {{"type", "reset"}, {"ms", 1}}}}, "Unknown field 'ms'"},
      {{{"action", {{"type", "reply"}}}}, "needs 'body'"},
      {{{"action", {{"type", "reply"}, {"body", 1}}}}, "needs 'body'"},
      {{{"action", {{"type", "reply"}, {"body", std::string((1 << 20) + 1, 'x')}}}},
       "at most 1 MiB"},
      {{{"action", {{"type", "reply"}, {"body", ""}, {"status", 199}}}}, "'status'"},
      {{{"action", {{"type", "reply"}, {"body", ""}, {"contentType", "a\r\nb: c"}}}},
       "'action.contentType'"},
      {{{"action", {{"type", "reply"}, {"body", ""}, {"contentType", ""}}}},
       "'action.contentType'"},
      {{{"action", error}, {"probability", 1.5}}, "'probability'"},
      {{{"action", error}, {"probability", -0.1}}, "'probability'"},
      {{{"action", error}, {"probability", "half"}}, "'probability'"},
      {{{"action", error}, {"ttl", "soon"}}, "'ttl'"},
      {{{"action", error}, {"ttl", "0s"}}, "'ttl'"},
      {{{"action", error}, {"ttl", 600}}, "'ttl'"},
      {{{"action", error}, {"count", 0}}, "'count'"},
      {{{"action", error}, {"count", 18446744073709551615ull}}, "'count'"},
      {{{"action", error}, {"extra", 1}}, "Unknown field 'extra' in the rule"},
      {{{"action", error}, {"match", {{"vault", 1}}}}, "'match.vault'"},
      {{{"action", error}, {"match", {{"vault", ""}}}}, "'match.vault'"},
      {{{"action", error}, {"match", {{"keys", "k"}}}}, "Unknown field 'keys' in 'match'"},
      {{{"action", error}, {"match", {{"operation", "explode"}}}}, "Unknown operation 'explode'"},
      {{{"action", error}, {"match", {{"caller", "someone"}}}}, "'match.caller'"},
      {{{"action", error}, {"match", {{"caller", "10.0.0.0/33"}}}}, "'match.caller'"},
      {{{"action", error}, {"match", {{"service", "arm"}}}}, "'match.service'"},
      {{{"action", error}, {"match", "v1"}}, "'match' must be an object"},
      {{{"action", error}, {"match", {{"service", "imds"}, {"vault", "v1"}}}},
       "'match.vault' applies to service \"keyvault\" only"},
      {{{"action", error}, {"match", {{"service", "imds"}, {"key", "k"}}}}, "'match.key' applies"},
      {{{"action", error}, {"match", {{"service", "imds"}, {"operation", "encrypt"}}}},
       "Unknown operation 'encrypt' of service imds; one of: token."},
      {{{"action", error}, {"match", {{"service", "identity"}, {"operation", "token"}}}},
       "Unknown operation 'token' of service identity; one of: ."},  // kOps has none for it
  };
  for (const auto& c : cases) {
    const std::string message = parse_error(c.rule);
    EXPECT_NE(message.find(c.says), std::string::npos) << c.rule.dump() << " -> " << message;
  }
}

TEST(FaultRule, MatchesEachFieldAndTreatsAbsentAsAny) {
  const FaultTarget t{
      "keyvault", "MyVault", "k1", "encrypt", "0a1b2c3d-0000-4000-8000-000000000001", "127.0.0.5"};
  auto match = [&](const json& m) {
    return parse_ok({{"match", m}, {"action", {{"type", "reset"}}}}).match.matches(t);
  };
  EXPECT_TRUE(match(json::object()));
  EXPECT_TRUE(match({{"vault", "myvault"}, {"key", "K1"}, {"operation", "encrypt"}}));
  EXPECT_FALSE(match({{"vault", "other"}}));
  EXPECT_FALSE(match({{"key", "k2"}}));
  EXPECT_FALSE(match({{"operation", "decrypt"}}));
  EXPECT_TRUE(match({{"caller", "0A1B2C3D-0000-4000-8000-000000000001"}}));
  EXPECT_FALSE(match({{"caller", "0a1b2c3d-0000-4000-8000-000000000002"}}));
  EXPECT_TRUE(match({{"caller", "127.0.0.5"}}));
  EXPECT_TRUE(match({{"caller", "127.0.0.0/24"}}));
  EXPECT_FALSE(match({{"caller", "127.0.1.0/24"}}));
  EXPECT_FALSE(match({{"caller", "::1"}}));
  FaultTarget arm = t;
  arm.service = "arm";  // a surface that has not opted in matches nothing
  EXPECT_FALSE(parse_ok({{"action", {{"type", "reset"}}}}).match.matches(arm));
}

TEST(FaultRule, IdentityAndImdsRulesAnswerOAuthErrors) {
  const Rule r = parse_ok(json::parse(R"({"match": {"service": "IMDS", "operation": "token"},
      "action": {"type": "error", "status": 500}, "count": 1})"));
  EXPECT_TRUE(r.match.matches({"imds", "", "", "token", "", "127.0.0.1"}));
  EXPECT_FALSE(r.match.matches({"keyvault", "v", "k", "token", "", "127.0.0.1"}));
  const auto& e = std::get<ErrorAction>(r.action);
  const core::Reply reply = error_reply(e);
  EXPECT_EQ(reply.status, 500u);
  EXPECT_EQ(json::parse(reply.body),
            json({{"error", "unknown_error"},
                  {"error_description", "Transient error in IMDS. Retry after a period."}}));
  const Rule aad = parse_ok(json::parse(R"({"match": {"service": "identity"},
      "action": {"type": "error", "status": 429, "retryAfter": 1}})"));
  const core::Reply throttled = error_reply(std::get<ErrorAction>(aad.action));
  EXPECT_EQ(json::parse(throttled.body)["error"], "temporarily_unavailable");
  EXPECT_EQ(throttled.headers.size(), 1u);
  EXPECT_FALSE(aad.match.matches({"imds", "", "", "token", "", "127.0.0.1"}));
  // The service survives the stored form and shows in the listing; keyvault's stays implicit.
  EXPECT_EQ(json(to_json(*from_stored(to_stored(r)))["match"]),
            json({{"service", "imds"}, {"operation", "token"}}));
  EXPECT_TRUE(std::get<ErrorAction>(from_stored(to_stored(r))->action).oauth);
}

TEST(FaultRule, StoredFormRoundTrips) {
  Rule r = parse_ok(json::parse(R"({"match": {"vault": "v1", "caller": "10.1.0.0/16"},
      "action": {"type": "slowBody", "bytesPerSecond": 64}, "count": 2, "ttl": "1h"})"));
  r.id = "id-1";
  r.created = *core::parse_rfc3339("2026-01-01T00:00:00Z");
  r.fired = 5;
  const auto back = from_stored(to_stored(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(to_json(*back), to_json(r));
  EXPECT_EQ(to_json(r)["expires"], "2026-01-01T01:00:00Z");
  EXPECT_EQ(to_json(r)["ttl"], "1h");
  EXPECT_FALSE(from_stored("{"));
  EXPECT_FALSE(from_stored(
      R"({"id":"x","rule":{"action":{"type":"reset"}},"created_ms":9223372036854775807,"fired":0})"));
  Rule reply = parse_ok(json::parse(R"({"action": {"type": "reply", "status": 503,
      "body": "<html>\u00e9</html>", "contentType": "text/html"}})"));
  const auto reply_back = from_stored(to_stored(reply));
  ASSERT_TRUE(reply_back);
  EXPECT_EQ(to_json(*reply_back), to_json(reply));
  EXPECT_EQ(std::get<ReplyAction>(reply_back->action).body, "<html>\xc3\xa9</html>");
  EXPECT_FALSE(
      from_stored(R"({"id":"x","rule":{"action":{"type":"nope"}},"created_ms":0,"fired":0})"));
  EXPECT_FALSE(
      from_stored(R"({"id":1,"rule":{"action":{"type":"reset"}},"created_ms":0,"fired":0})"));
}

}  // namespace
}  // namespace kmslab::faults
