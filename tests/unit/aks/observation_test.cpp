// The detector's evidence parsers: good input and malformed input (which yields no evidence).
#include "emulator/aks/observation.hpp"

#include <gtest/gtest.h>

namespace kmslab::aks {
namespace {

TEST(DetectorEvidence, KmsCallsBodyAndMalformedEntries) {
  const auto calls = parse_kms_calls(
      R"({"calls":[{"seq":3,"time":"2026-01-01T00:00:00Z","provider":"p","method":"/v2.KeyManagementService/Status","code":"OK","seconds":0.5,"error":""},)"
      R"({"seq":"4"},7,{"seq":5,"time":1}]})");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].seq, 3u);
  EXPECT_EQ(calls[0].provider, "p");
  for (const char* bad : {"", "{", "[]", "{\"calls\":{}}", "{\"calls\":null}", "\xff\xfe"})
    EXPECT_TRUE(parse_kms_calls(bad).empty()) << bad;
}

TEST(DetectorEvidence, FailingHealthChecks) {
  const auto failing = failing_health_checks(
      "[+]ping ok\n[-]kms-providers failed: reason withheld\n[-] failed:\n[-]x\nhealthz check "
      "failed\n");
  ASSERT_EQ(failing.size(), 1u);
  EXPECT_EQ(failing[0], "kms-providers");
  EXPECT_TRUE(failing_health_checks("").empty());
}

TEST(DetectorEvidence, RelayedVaultError) {
  const auto e = parse_relayed_vault_error(
      "failed to encrypt, error: keyvault.BaseClient#Encrypt: Failure responding to request: "
      "StatusCode=403 -- Original Error: autorest/azure: Service returned an error. Status=403 "
      "Code=\"Forbidden\" Message=\"Operation encrypt is not allowed on an expired key.\" "
      "InnerError={\"code\":\"KeyExpired\"}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 403);
  EXPECT_EQ(e->code, "Forbidden");
  EXPECT_EQ(e->inner_code, "KeyExpired");
  EXPECT_EQ(e->headline(), "KeyExpired: Operation encrypt is not allowed on an expired key");
  const auto quoted = parse_relayed_vault_error(
      "Service returned an error. Status=404 Code=\"KeyNotFound\" Message=\"A \\\"key\\\" is "
      "gone\"");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->headline(), "KeyNotFound: A \"key\" is gone");
  for (const char* bad : {"", "rpc error: code = Unavailable", "Service returned an error. Status=",
                          "Service returned an error. Status=403 Code=\"unterminated",
                          "Service returned an error. Status=403 Message=\"m\""})
    EXPECT_FALSE(parse_relayed_vault_error(bad)) << bad;
}

}  // namespace
}  // namespace kmslab::aks
