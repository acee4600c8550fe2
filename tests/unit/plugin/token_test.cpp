// Token caching and refresh (adal's 5-minute window), and the Key Vault client's one refresh on a
// 401, against the project's HTTP server in process (plain HTTP, as IMDS is).
#include <gtest/gtest.h>

#include "tests/unit/plugin/fake_azure.hpp"

namespace kmslab::plugin {
namespace {

using TokenTest = FakeAzureTest;

TEST_F(TokenTest, ImdsRequestShapeAndCaching) {
  EXPECT_EQ(tokens_->token(soon()), "tok1");
  EXPECT_EQ(azure_.last_token_target,
            "/metadata/identity/oauth2/"
            "token?api-version=2018-02-01&client_id=client-id-1"
            "&resource=https%3A%2F%2Fvault.azure.net");
  EXPECT_EQ(azure_.metadata_header, "true");
  EXPECT_EQ(tokens_->token(soon()), "tok1");
  clock_.advance(std::chrono::minutes(54));  // 6 minutes left: still outside the refresh window
  EXPECT_EQ(tokens_->token(soon()), "tok1");
  clock_.advance(std::chrono::minutes(2));  // 4 minutes left: refreshed before it expires
  EXPECT_EQ(tokens_->token(soon()), "tok2");
  EXPECT_EQ(azure_.token_requests, 2);
}

TEST_F(TokenTest, VaultRefusal401RefreshesOnceAndRetries) {
  KeyVaultClient vault({base_ + "/", "k", "1", base_ + "/", false}, *tokens_, *http_);
  azure_.vault_script = {401};
  const auto r = vault.encrypt("dek", "RSA-OAEP-256", soon());
  EXPECT_EQ(r.ciphertext, "Y2lwaGVy");
  ASSERT_EQ(azure_.authorizations.size(), 2u);
  EXPECT_EQ(azure_.authorizations[0], "Bearer tok1");
  EXPECT_EQ(azure_.authorizations[1], "Bearer tok2");
  // A second 401 in a row is final, with go-autorest's text.
  azure_.vault_script = {401, 401};
  try {
    vault.encrypt("dek", "RSA-OAEP-256", soon());
    FAIL();
  } catch (const KeyVaultError& e) {
    EXPECT_EQ(
        std::string(e.what()).rfind("keyvault.BaseClient#Encrypt: Failure responding to request: "
                                    "StatusCode=401 -- Original Error: autorest/azure: Service "
                                    "returned an error. Status=401 Code=\"Unauthorized\"",
                                    0),
        0u)
        << e.what();
  }
}

// adal's reading of the answer, on its own: expires_on, else now + expires_in (bounded, so a
// hostile expires_in cannot overflow into a token that looks long expired), and adal's words.
TEST(TokenResponse, ExpiryAndRefusals) {
  constexpr int64_t kNow = 1'800'000'000;
  const std::string url = "https://login.example/t/oauth2/token?api-version=1.0";
  auto parse = [&](unsigned status, std::string body) {
    core::client::Response r;
    r.status = status;
    r.body = std::move(body);
    return parse_token_response(r, url, kNow);
  };
  EXPECT_EQ(parse(200, R"({"access_token":"a","expires_on":"1800003600"})").expires_on,
            1'800'003'600);
  EXPECT_EQ(parse(200, R"({"access_token":"a","expires_in":3599})").expires_on, kNow + 3599);
  const auto huge = parse(200, R"({"access_token":"a","expires_in":"9223372036854775807"})");
  EXPECT_GT(huge.expires_on, kNow);
  EXPECT_EQ(parse(200, R"({"access_token":"a","expires_in":-5})").expires_on, kNow);
  try {
    parse(200, R"({"access_token":7})");
    FAIL();
  } catch (const AuthError& e) {
    EXPECT_STREQ(e.what(),
                 "adal: Failed to unmarshal the service principal token during refresh. Error = "
                 "'no access_token' JSON = '{\"access_token\":7}'");
  }
  try {
    parse(500, "oops");
    FAIL();
  } catch (const AuthError& e) {
    EXPECT_EQ(e.status, 500u);
    EXPECT_EQ(
        std::string(e.what()),
        "adal: Refresh request failed. Status Code = '500'. Response body: oops Endpoint " + url);
  }
}

TEST(TokenSourceChoice, UpstreamPrecedenceAndNoCredentials) {
  core::VirtualClock clock(core::VirtualClock::Mode::kManual);
  core::SeededRng rng(1);
  core::client::HttpClient http({}, clock, rng, [](auto) {});
  AzureConfig c;
  c.client_id = "id";
  c.client_secret = "secret";
  c.use_managed_identity_extension = true;
  EXPECT_EQ(make_token_source(c, "r", {}, http, clock)->describe(),
            "system-assigned managed identity");
  c.use_managed_identity_extension = false;
  EXPECT_EQ(make_token_source(c, "r", {}, http, clock)->describe(), "client secret");
  c.client_secret.clear();
  try {
    make_token_source(c, "r", {}, http, clock);
    FAIL();
  } catch (const AuthError& e) {
    EXPECT_STREQ(e.what(), "no credentials provided for accessing keyvault");
  }
}

}  // namespace
}  // namespace kmslab::plugin
