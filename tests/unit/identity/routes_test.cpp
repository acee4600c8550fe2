// The sign-in service through the real Router + Dispatcher: discovery documents, JWKS, tokens and
// the AADSTS errors of the token endpoint.
#include "emulator/identity/routes.hpp"

#include <gtest/gtest.h>

#include "emulator/core/base64url.hpp"
#include "emulator/core/dispatcher.hpp"
#include "emulator/identity/jwt.hpp"
#include "tests/unit/identity/identity_test_support.hpp"

namespace kmslab::identity {
namespace {

using core::http::verb;

constexpr const char* kTenant = "11111111-2222-3333-4444-555555555555";
constexpr const char* kClient = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

class IdentityRoutesTest : public ::testing::Test {
 protected:
  IdentityRoutesTest()
      : clock(core::VirtualClock::Mode::kManual, *core::parse_rfc3339("2026-05-01T10:00:00Z")),
        rng(42),
        logger(nullptr, core::LogLevel::kInfo) {}

  void SetUp() override { install({}); }

  void install(CredentialValidator validator) {
    router = std::make_unique<core::Router>();
    IdentityServices services;
    services.signing_key = testing::shared_key();
    services.validate_credentials = std::move(validator);
    register_identity_routes(*router, std::move(services));
    dispatcher = std::make_unique<core::Dispatcher>(*router, clock, rng, logger, metrics);
  }

  core::HttpResponse send(verb method, const std::string& target, std::string body = {},
                          const std::string& host = "localhost:8443",
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
    core::HttpRequest req{method, target, 11};
    req.set(core::http::field::host, host);
    for (auto& [name, value] : headers) req.set(name, value);
    if (method == verb::post) {
      req.set(core::http::field::content_type, "application/x-www-form-urlencoded");
    }
    req.body() = std::move(body);
    req.prepare_payload();
    return dispatcher->handle(std::move(req), conn);
  }
  core::HttpResponse get(const std::string& target, const std::string& host = "localhost:8443") {
    return send(verb::get, target, {}, host);
  }
  core::HttpResponse token(std::string body, const std::string& path = "/" + std::string(kTenant) +
                                                                       "/oauth2/v2.0/token") {
    return send(verb::post, path, std::move(body), "localhost:8443",
                {{"client-request-id", "0e0e0e0e-1111-2222-3333-444444444444"}});
  }
  static nlohmann::json body(const core::HttpResponse& r) {
    return nlohmann::json::parse(r.body());
  }
  static std::string good_form() {
    return "grant_type=client_credentials&client_id=" + std::string(kClient) +
           "&client_secret=s%3Dcret+x&scope=https%3A%2F%2Fvault.azure.net%2F.default";
  }
  nlohmann::json verified_claims(const core::HttpResponse& r) {
    auto claims = testing::verified_token_claims(r, clock.now());
    EXPECT_FALSE(claims.empty()) << r.body();
    return claims;
  }

  core::VirtualClock clock;
  core::SeededRng rng;
  core::Logger logger;
  core::MetricsRegistry metrics;
  std::unique_ptr<core::Router> router;
  std::unique_ptr<core::Dispatcher> dispatcher;
  core::ConnectionInfo conn{"127.0.0.1", 5555, 8443, true, "", ""};
};

TEST_F(IdentityRoutesTest, InstanceDiscoveryPointsAtTheAuthorityTheClientNamed) {
  auto r =
      get("/common/discovery/instance?api-version=1.1&authorization_endpoint="
          "https%3A%2F%2Flocalhost%3A8443%2F" +
              std::string(kTenant) + "%2Foauth2%2Fv2.0%2Fauthorize",
          "login.microsoftonline.com");
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(body(r), nlohmann::json::parse(R"({
      "tenant_discovery_endpoint":
        "https://localhost:8443/)" + std::string(kTenant) +
                                           R"(/v2.0/.well-known/openid-configuration",
      "api-version": "1.1",
      "metadata": [{"preferred_network": "localhost:8443", "preferred_cache": "localhost:8443",
                    "aliases": ["localhost:8443"]}]})"));
}

TEST_F(IdentityRoutesTest, InstanceDiscoveryWithoutAnAuthorityUsesTheRequestHost) {
  auto r = get("/common/discovery/instance?api-version=1.1", "LOCALHOST:9443");
  ASSERT_EQ(r.result_int(), 200);
  EXPECT_EQ(body(r)["tenant_discovery_endpoint"],
            "https://localhost:9443/common/v2.0/.well-known/openid-configuration");
  EXPECT_EQ(body(r)["metadata"][0]["aliases"], nlohmann::json({"localhost:9443"}));
  EXPECT_EQ(get("/" + std::string(kTenant) + "/discovery/instance").result_int(), 200);
}

TEST_F(IdentityRoutesTest, InstanceDiscoveryRefusesForeignAuthoritiesLikeEntraId) {
  for (const std::string endpoint :
       {"https%3A%2F%2Fevil.example.com%2Ft%2Foauth2%2Fauthorize",
        "http%3A%2F%2Flocalhost%2Ft%2Foauth2%2Fauthorize", "https%3A%2F%2Flocalhost", "garbage"}) {
    auto r = get("/common/discovery/instance?authorization_endpoint=" + endpoint);
    ASSERT_EQ(r.result_int(), 400) << endpoint;
    EXPECT_EQ(body(r)["error"], "invalid_instance");
    EXPECT_EQ(body(r)["error_codes"], nlohmann::json({50049}));
  }
}

TEST_F(IdentityRoutesTest, OpenIdConfigurationV2ForATenant) {
  auto r = get("/" + std::string(kTenant) + "/v2.0/.well-known/openid-configuration");
  ASSERT_EQ(r.result_int(), 200);
  const auto j = body(r);
  const std::string base = "https://localhost:8443/" + std::string(kTenant);
  EXPECT_EQ(j["issuer"], base + "/v2.0");
  EXPECT_EQ(j["token_endpoint"], base + "/oauth2/v2.0/token");
  EXPECT_EQ(j["authorization_endpoint"], base + "/oauth2/v2.0/authorize");
  EXPECT_EQ(j["jwks_uri"], base + "/discovery/v2.0/keys");
  EXPECT_EQ(j["id_token_signing_alg_values_supported"], nlohmann::json({"RS256"}));
}

TEST_F(IdentityRoutesTest, OpenIdConfigurationForCommonKeepsTheIssuerTemplate) {
  const auto j =
      body(get("/common/v2.0/.well-known/openid-configuration", "login.microsoftonline.com"));
  EXPECT_EQ(j["issuer"], "https://login.microsoftonline.com/{tenantid}/v2.0");
  EXPECT_EQ(j["token_endpoint"], "https://login.microsoftonline.com/common/oauth2/v2.0/token");
  const auto domain = body(get("/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"));
  EXPECT_EQ(domain["issuer"], "https://localhost:8443/" + std::string(kDefaultTenantId) + "/v2.0");
}

TEST_F(IdentityRoutesTest, OpenIdConfigurationV1AndAdfs) {
  const auto v1 = body(get("/" + std::string(kTenant) + "/.well-known/openid-configuration"));
  EXPECT_EQ(v1["issuer"], "https://sts.windows.net/" + std::string(kTenant) + "/");
  EXPECT_EQ(v1["token_endpoint"],
            "https://localhost:8443/" + std::string(kTenant) + "/oauth2/token");
  EXPECT_EQ(v1["jwks_uri"], "https://localhost:8443/" + std::string(kTenant) + "/discovery/keys");
  const auto adfs = body(get("/adfs/.well-known/openid-configuration", "127.0.0.1:8443"));
  EXPECT_EQ(adfs["issuer"], "https://127.0.0.1:8443/adfs");
  EXPECT_EQ(adfs["token_endpoint"], "https://127.0.0.1:8443/adfs/oauth2/token/");
  EXPECT_EQ(adfs["authorization_endpoint"], "https://127.0.0.1:8443/adfs/oauth2/authorize/");
  EXPECT_EQ(adfs["jwks_uri"], "https://127.0.0.1:8443/adfs/discovery/keys");
}

TEST_F(IdentityRoutesTest, KeysServeTheJwksOnEveryPath) {
  for (const std::string path :
       {"/common/discovery/v2.0/keys", "/common/discovery/keys", "/adfs/discovery/keys"}) {
    auto r = get(path);
    ASSERT_EQ(r.result_int(), 200) << path;
    EXPECT_EQ(body(r), testing::shared_key()->jwks());
  }
}

TEST_F(IdentityRoutesTest, UnservedHostsAndBadHostHeadersAreRefused) {
  EXPECT_EQ(get("/common/discovery/keys", "management.azure.com").result_int(), 404);
  auto r = get("/common/v2.0/.well-known/openid-configuration", "localhost\"x");
  EXPECT_EQ(r.result_int(), 404);  // not a host the group serves
}

TEST_F(IdentityRoutesTest, ClientCredentialsGetAV1VaultToken) {
  auto r = token(good_form());
  ASSERT_EQ(r.result_int(), 200) << r.body();
  const auto j = body(r);
  EXPECT_EQ(j["token_type"], "Bearer");
  EXPECT_EQ(j["expires_in"], 3599);
  EXPECT_EQ(j["ext_expires_in"], 3599);
  EXPECT_EQ(r[core::http::field::cache_control], "no-store, no-cache");
  const auto c = verified_claims(r);
  EXPECT_EQ(c["aud"], "https://vault.azure.net");
  EXPECT_EQ(c["iss"], "https://sts.windows.net/" + std::string(kTenant) + "/");
  EXPECT_EQ(c["tid"], kTenant);
  EXPECT_EQ(c["appid"], kClient);
  EXPECT_EQ(c["oid"], object_id_for(kTenant, kClient));
  EXPECT_EQ(c["iat"], clock.now_unix_seconds());
  EXPECT_EQ(c["exp"], clock.now_unix_seconds() + 3599);
}

TEST_F(IdentityRoutesTest, TokenTimesFollowTheVirtualClock) {
  clock.advance(std::chrono::hours(24 * 400));
  const auto c = verified_claims(token(good_form()));
  EXPECT_EQ(c["iat"], clock.now_unix_seconds());
}

TEST_F(IdentityRoutesTest, AliasTenantsAndAdfsIssueForTheDefaultTenant) {
  const auto common = verified_claims(token(good_form(), "/organizations/oauth2/v2.0/token"));
  EXPECT_EQ(common["tid"], kDefaultTenantId);
  const std::string v1 =
      "grant_type=client_credentials&client_id=c&client_secret=s"
      "&resource=https%3A%2F%2Fmanagement.azure.com%2F";
  const auto adfs = verified_claims(token(v1, "/adfs/oauth2/token/"));
  EXPECT_EQ(adfs["tid"], kDefaultTenantId);
  EXPECT_EQ(adfs["aud"], "https://management.azure.com/");
  const auto tenant_v1 = verified_claims(token(v1, "/" + std::string(kTenant) + "/oauth2/token"));
  EXPECT_EQ(tenant_v1["tid"], kTenant);
}

TEST_F(IdentityRoutesTest, BasicAuthCarriesTheClientSecret) {
  auto r =
      send(verb::post, "/" + std::string(kTenant) + "/oauth2/v2.0/token",
           "grant_type=client_credentials&scope=https%3A%2F%2Fvault.azure.net%2F.default",
           "localhost:8443",
           {{"Authorization", "Basic " + core::base64_encode(std::string(kClient) + ":p%3Aw")}});
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(verified_claims(r)["appid"], kClient);
}

struct ErrorCase {
  const char* name;
  std::string form;
  unsigned status;
  std::string error;
  int code;
  std::string message;
};

TEST_F(IdentityRoutesTest, TokenErrorsAreAadstsAnswers) {
  const std::string scope = "&scope=https%3A%2F%2Fvault.azure.net%2F.default";
  const std::vector<ErrorCase> cases = {
      {"empty body", "", 400, "invalid_request", 900144,
       "AADSTS900144: The request body must contain the following parameter: 'grant_type'."},
      {"json body", R"({"grant_type":"client_credentials"})", 400, "invalid_request", 900144,
       "AADSTS900144: The request body must contain the following parameter: 'grant_type'."},
      {"bad escape", "grant_type=%zz", 400, "invalid_request", 900144,
       "AADSTS900144: The request body must contain the following parameter: 'grant_type'."},
      {"password grant", "grant_type=password&client_id=c", 400, "unsupported_grant_type", 70003,
       "AADSTS70003: The app requested an unsupported grant type 'password'."},
      {"no client_id", "grant_type=client_credentials&client_secret=s" + scope, 400,
       "invalid_request", 900144,
       "AADSTS900144: The request body must contain the following parameter: 'client_id'."},
      {"no scope", "grant_type=client_credentials&client_id=c&client_secret=s", 400,
       "invalid_request", 900144,
       "AADSTS900144: The request body must contain the following parameter: 'scope'."},
      {"scope without .default",
       "grant_type=client_credentials&client_id=c&client_secret=s&scope=https://vault.azure.net",
       400, "invalid_scope", 1002012,
       "AADSTS1002012: The provided value for scope https://vault.azure.net is not valid. Client "
       "credential flows must have a scope value with /.default suffixed to the resource "
       "identifier (application ID URI)."},
      {"no secret", "grant_type=client_credentials&client_id=c" + scope, 400, "invalid_client",
       7000216,
       "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required for the "
       "'client_credentials' grant type."},
      {"empty secret", "grant_type=client_credentials&client_id=c&client_secret=" + scope, 400,
       "invalid_client", 7000216,
       "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required for the "
       "'client_credentials' grant type."},
  };
  for (const auto& c : cases) {
    auto r = token(c.form);
    ASSERT_EQ(r.result_int(), c.status) << c.name << ": " << r.body();
    const auto j = body(r);
    EXPECT_EQ(j["error"], c.error) << c.name;
    EXPECT_EQ(j["error_codes"], nlohmann::json({c.code})) << c.name;
    EXPECT_EQ(j["timestamp"], "2026-05-01 10:00:00Z") << c.name;
    EXPECT_EQ(j["correlation_id"], "0e0e0e0e-1111-2222-3333-444444444444") << c.name;
    EXPECT_EQ(j["trace_id"], r["x-ms-request-id"]) << c.name;
    EXPECT_EQ(j["error_uri"],
              "https://login.microsoftonline.com/error?code=" + std::to_string(c.code));
    EXPECT_EQ(j["error_description"], c.message +
                                          "\r\nTrace ID: " + std::string(r["x-ms-request-id"]) +
                                          "\r\nCorrelation ID: 0e0e0e0e-1111-2222-3333-444444444444"
                                          "\r\nTimestamp: 2026-05-01 10:00:00Z")
        << c.name;
  }
}

TEST_F(IdentityRoutesTest, ErrorsWithoutAClientRequestIdCorrelateToTheTraceId) {
  auto r = send(verb::post, "/common/oauth2/v2.0/token", "");
  EXPECT_EQ(body(r)["correlation_id"], body(r)["trace_id"]);
}

TEST_F(IdentityRoutesTest, APluggedInValidatorDecides) {
  install([](const ClientCredentials& creds) -> ClientVerdict {
    if (creds.client_secret == "s=cret x")
      return {std::nullopt, "0b1ec7a1-0000-4000-8000-000000000001"};
    return {aad_errors::invalid_client_secret(creds.client_id), {}};
  });
  auto good = token(good_form());
  ASSERT_EQ(good.result_int(), 200);
  EXPECT_EQ(verified_claims(good)["oid"], "0b1ec7a1-0000-4000-8000-000000000001");
  auto bad = token(
      "grant_type=client_credentials&client_id=c&client_secret=wrong"
      "&scope=https%3A%2F%2Fvault.azure.net%2F.default");
  ASSERT_EQ(bad.result_int(), 401);
  EXPECT_EQ(body(bad)["error"], "invalid_client");
  EXPECT_EQ(body(bad)["error_codes"], nlohmann::json({7000215}));
  // The secret never appears in an answer.
  EXPECT_EQ(bad.body().find("wrong"), std::string::npos);
}

TEST_F(IdentityRoutesTest, ValuesThatAreNotUtf8AreInvalidInput) {
  for (const std::string form :
       {"grant_type=client_credentials&client_id=%FF&client_secret=s&scope=a%2F.default",
        "grant_type=%C3&client_id=c&client_secret=s&scope=a%2F.default",
        "grant_type=client_credentials&client_id=c&client_secret=s&scope=%F8%88%80%80%80%2F."
        "default"}) {
    auto r = token(form);
    EXPECT_EQ(r.result_int(), 400) << form;
    EXPECT_EQ(body(r)["error_codes"], nlohmann::json({90013})) << form;
  }
  // In Basic credentials too.
  auto basic = send(verb::post, "/common/oauth2/v2.0/token",
                    "grant_type=client_credentials&scope=a%2F.default", "localhost:8443",
                    {{"Authorization", "Basic " + core::base64_encode("%FF:secret")}});
  EXPECT_EQ(body(basic)["error_codes"], nlohmann::json({90013}));
}

TEST_F(IdentityRoutesTest, GetOnTheTokenEndpointIsMethodNotAllowed) {
  EXPECT_EQ(get("/common/oauth2/v2.0/token").result_int(), 405);
}

TEST(IdentityRoutes, RegistrationNeedsASigningKey) {
  core::Router router;
  EXPECT_THROW(register_identity_routes(router, {}), std::invalid_argument);
}

}  // namespace
}  // namespace kmslab::identity
