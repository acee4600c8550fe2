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
