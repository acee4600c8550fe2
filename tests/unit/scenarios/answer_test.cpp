// Expectations and captures on answers (scenarios/runner/answer.*).
#include "scenarios/runner/answer.hpp"

#include <gtest/gtest.h>

namespace kmslab::scenario {
namespace {

using nlohmann::json;

Answer http(unsigned status, const std::string& body) {
  Answer a;
  a.status = status;
  a.body = body;
  a.headers = {{"x-ms-request-id", "r1"}, {"location", "https://x/op/1"}};
  return a;
}

std::optional<std::string> check(const char* expect, const Answer& a) {
  return check_expect(json::parse(expect), a);
}

TEST(Expect, DefaultIs2xxOrExit0) {
  EXPECT_FALSE(check_expect(nullptr, http(204, "")));
  EXPECT_EQ(*check_expect(nullptr, http(404, "")), "expected a 2xx status, got 404");
  Answer run;
  run.command = true;
  run.exit_code = 2;
  EXPECT_EQ(*check_expect(nullptr, run), "expected exit 0, got 2");
}

TEST(Expect, StatusAndAzureErrors) {
  const Answer a =
      http(403, R"({"error":{"code":"Forbidden","message":"Operation encrypt is )"
                R"(not allowed on an expired key.","innererror":{"code":"KeyExpired"}}})");
  EXPECT_FALSE(check(R"({"status":[401,403]})", a));
  EXPECT_EQ(*check(R"({"status":200})", a), "expected status 200, got 403");
  EXPECT_FALSE(check(R"({"status":403,"error":{"code":"KeyExpired"}})", a));  // inner code
  EXPECT_FALSE(check(R"({"status":403,"error":{"code":"Forbidden","message":"expired key"}})", a));
  EXPECT_TRUE(check(R"({"status":403,"error":{"code":"KeyDisabled"}})", a));
  EXPECT_FALSE(check(R"({"status":403,"error":{"message_matches":"^Operation \\w+ is"}})", a));
  EXPECT_EQ(*check(R"({"status":403,"error":{"message":"disabled"}})", a),
            "expected an error message containing 'disabled', got 'Operation encrypt is not "
            "allowed on an expired key.'");
}

TEST(Expect, KubernetesStatusAndEntraErrors) {
  const Answer kube = http(404, R"({"kind":"Status","reason":"NotFound","message":"secrets \"db\" )"
                                R"(not found"})");
  EXPECT_FALSE(check(R"({"status":404,"error":{"code":"NotFound","message":"not found"}})", kube));
  const Answer entra =
      http(401, R"({"error":"invalid_client","error_description":"AADSTS7000215"})");
  EXPECT_FALSE(
      check(R"({"status":401,"error":{"code":"invalid_client","message":"AADSTS"}})", entra));
}

TEST(Expect, JsonHeadersBodyAndOperation) {
  Answer a = http(200, R"({"properties":{"provisioningState":"Succeeded"},"value":[1,2]})");
  a.operation = json{{"status", "Succeeded"}};
  EXPECT_FALSE(check(R"({"json":{"/properties/provisioningState":{"eq":"Succeeded"},
                                 "/value":{"len":{"ge":1}},"/operation/status":{"eq":"Succeeded"}}})",
                     a));
  EXPECT_EQ(*check(R"({"json":{"/value":{"len":{"eq":3}}}})", a),
            "json /value: length: expected 3, got 2");
  EXPECT_FALSE(check(R"({"headers":{"X-MS-Request-Id":{"exists":true}}})", a));
  EXPECT_EQ(*check(R"({"headers":{"retry-after":{"exists":true}}})", a),
            "header retry-after: expected a value, got nothing (absent)");
  EXPECT_FALSE(check(R"({"body":{"not_contains":"PRIVATE KEY"}})", a));
}

TEST(Expect, StoredBytes) {
  const Answer a = http(200, std::string("k8s:enc:kms:v2:azurekmsprovider:\x0a\x01\xff", 36));
  EXPECT_FALSE(check(
      R"({"bytes":{"prefix":"k8s:enc:kms:v2:azurekmsprovider:","not_contains":"s3cret"}})", a));
  EXPECT_TRUE(check(R"({"bytes":{"prefix":"k8s:enc:kms:v1:"}})", a));
}

TEST(Expect, Metrics) {
  const Answer a =
      http(200,
           "# HELP apiserver_storage_objects x\n# TYPE apiserver_storage_objects gauge\n"
           "apiserver_storage_objects{resource=\"secrets\"} 3\n"
           "apiserver_storage_objects{resource=\"configmaps\"} 1\n"
           "kms_calls_total{method=\"encrypt\",code=\"OK\"} 2\n"
           "kms_calls_total{method=\"encrypt\",code=\"Unavailable\"} 1\n");
  EXPECT_FALSE(check(R"({"metrics":[{"name":"apiserver_storage_objects",
                                     "labels":{"resource":"secrets"},"value":{"ge":3}}]})",
                     a));
  EXPECT_FALSE(check(R"({"metrics":[{"name":"kms_calls_total","labels":{"method":"encrypt"},
                                     "value":{"eq":3}}]})",
                     a));  // several series: their sum
  EXPECT_EQ(
      *check(R"({"metrics":[{"name":"apiserver_storage_objects","labels":{"resource":"pods"}}]})",
             a),
      R"(expected a sample apiserver_storage_objects{"resource":"pods"}, found none)");
}

TEST(Expect, Runs) {
  Answer a;
  a.command = true;
  a.exit_code = 1;
  a.out = R"({"keyId":"https://v/keys/k1/abc"})";
  a.err = "warning";
  EXPECT_FALSE(check(R"({"exit":1,"stdout_json":{"/keyId":{"matches":"/keys/k1/"}},
                        "stderr":{"contains":"warn"}})",
                     a));
  EXPECT_EQ(*check(R"({"exit":1,"stdout":{"contains":"nope"}})", a),
            "stdout: expected a value containing \"nope\", got "
            "\"{\\\"keyId\\\":\\\"https://v/keys/k1/abc\\\"}\"");
}

TEST(Capture, PointersHeadersRegexAndOutput) {
  Answer a = http(200, R"({"key":{"kid":"https://v/keys/k1/0a1b"},"n":5})");
  std::map<std::string, std::string> vars;
  EXPECT_FALSE(apply_capture(json::parse(R"J({"KID":{"pointer":"/key/kid"},"N":{"pointer":"/n"},
                                             "LOC":{"header":"Location"},
                                             "V":{"regex":"/keys/k1/([0-9a-f]+)","from":"body"}})J"),
                             a, vars));
  EXPECT_EQ(vars["KID"], "https://v/keys/k1/0a1b");
  EXPECT_EQ(vars["N"], "5");
  EXPECT_EQ(vars["LOC"], "https://x/op/1");
  EXPECT_EQ(vars["V"], "0a1b");
  EXPECT_EQ(*apply_capture(json::parse(R"({"X":{"pointer":"/missing"}})"), a, vars),
            R"(capture X: {"pointer":"/missing"} found nothing in the answer)");
  Answer run;
  run.command = true;
  run.out = "  {\"principalId\": \"p1\"}\n";
  EXPECT_FALSE(apply_capture(
      json::parse(R"({"OUT":{"stdout":true},"P":{"stdout_json":"/principalId"}})"), run, vars));
  EXPECT_EQ(vars["OUT"], "{\"principalId\": \"p1\"}");
  EXPECT_EQ(vars["P"], "p1");
}

TEST(Describe, BinaryBodiesStayPrintable) {
  const std::string d = describe(http(200, std::string("ab\x01\xff", 4)));
  EXPECT_NE(d.find("ab\\x01\\xff"), std::string::npos) << d;
}

}  // namespace
}  // namespace kmslab::scenario
