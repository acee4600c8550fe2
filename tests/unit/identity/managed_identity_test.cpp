// The managed identity endpoints through the real Router + Dispatcher: header and parameter
// checks in order, identity selection, token claims, malformed input, and what the listener answers
// for other paths.
#include <gtest/gtest.h>

#include "emulator/identity/managed_identity_routes.hpp"
#include "tests/unit/identity/identity_test_support.hpp"

namespace kmslab::identity {
namespace {

using core::http::verb;

constexpr const char* kTenant = "11111111-2222-3333-4444-555555555555";
constexpr const char* kHeader = "0f0f0f0f-1111-4222-8333-444444444444";
constexpr const char* kImdsPath =
    "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net";

class ManagedIdentityTest : public ::testing::Test, protected testing::RouteHarness {
 protected:
  ManagedIdentityTest() : directory(*store, rng) {
    ManagedIdentityServices s;
    s.directory = &directory;
    s.signing_key = testing::shared_key();
    s.default_tenant_id = kTenant;
    s.identity_header = kHeader;
    register_managed_identity_routes(router, std::move(s));
    finish();
    dispatcher->set_unmatched(managed_identity_unmatched);
    conn = {"127.0.0.1", 5555, 50342, false, "", ""};
  }

  ManagedIdentity add(const std::string& name) {
    ManagedIdentity mi;
    mi.subscription_id = "sub";
    mi.resource_group = "rg";
    mi.name = name;
    mi.id = managed_identity_id("sub", "rg", name);
    mi.tenant_id = kTenant;
    return directory.put_managed_identity(mi);
  }

  core::HttpResponse imds(const std::string& target = kImdsPath) {
    return send(verb::get, target, {{"Metadata", "true"}});
  }
  static std::string description(const core::HttpResponse& r) {
    return body(r).value("error_description", "");
  }
  nlohmann::json claims(const core::HttpResponse& r) {
    auto c = testing::verified_token_claims(r, clock.now());
    EXPECT_FALSE(c.empty());
    return c;
  }

  Directory directory;
};

TEST_F(ManagedIdentityTest, ImdsIssuesATokenWithTheIdentitysClaims) {
  const auto mi = add("id1");
  auto r = imds();
  ASSERT_EQ(r.result_int(), 200) << r.body();
  const auto b = nlohmann::ordered_json::parse(r.body());  // in the order written
  std::vector<std::string> keys;
  for (auto it = b.begin(); it != b.end(); ++it) {
    keys.push_back(it.key());
    EXPECT_TRUE(it.value().is_string()) << it.key();
  }
  EXPECT_EQ(keys,
            (std::vector<std::string>{"access_token", "client_id", "expires_in", "expires_on",
                                      "ext_expires_in", "not_before", "resource", "token_type"}));
  EXPECT_EQ(b["client_id"], mi.client_id);
  EXPECT_EQ(b["resource"], "https://vault.azure.net");
  EXPECT_EQ(b["token_type"], "Bearer");
  EXPECT_EQ(b["expires_in"], "86399");
  const auto c = claims(r);
  EXPECT_EQ(c["appid"], mi.client_id);
  EXPECT_EQ(c["oid"], mi.principal_id);
  EXPECT_EQ(c["sub"], mi.principal_id);
  EXPECT_EQ(c["tid"], kTenant);
  EXPECT_EQ(c["aud"], "https://vault.azure.net");
  EXPECT_EQ(c["xms_mirid"], mi.id);
  EXPECT_EQ(c["idtyp"], "app");
  EXPECT_EQ(c["appidacr"], "2");
  EXPECT_EQ(c["iss"], "https://sts.windows.net/" + std::string(kTenant) + "/");
  EXPECT_TRUE(c.contains("xms_kmslab_skew"));
}

TEST_F(ManagedIdentityTest, ChecksRunInOrderHeaderApiVersionResource) {
  add("id1");
  auto no_header = send(verb::get, kImdsPath, {});
  EXPECT_EQ(no_header.result_int(), 400);
  EXPECT_EQ(body(no_header)["error"], "invalid_request");
  EXPECT_EQ(description(no_header), "Required metadata header not specified");
  // "true" in lower case only.
  EXPECT_EQ(description(send(verb::get, kImdsPath, {{"Metadata", "True"}})),
            "Required metadata header not specified");
  auto no_version = imds("/metadata/identity/oauth2/token?resource=x");
  EXPECT_EQ(no_version.result_int(), 400);
  EXPECT_NE(body(no_version)["error"].get<std::string>().find("api-version was not specified"),
            std::string::npos);
  EXPECT_TRUE(body(no_version)["newest-versions"].is_array());
  auto no_resource = imds("/metadata/identity/oauth2/token?api-version=2018-02-01&resource=");
  EXPECT_EQ(no_resource.result_int(), 400);
  EXPECT_EQ(description(no_resource), "Required audience parameter not specified");
}

TEST_F(ManagedIdentityTest, NoIdentityMeansIdentityNotFound) {
  auto r = imds();
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(body(r),
            nlohmann::json::parse(
                R"({"error":"invalid_request","error_description":"Identity not found"})"));
}

TEST_F(ManagedIdentityTest, SeveralIdentitiesNeedASelector) {
  const auto a = add("id-a");
  const auto b = add("id-b");
  auto r = imds();
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(description(r),
            "Multiple user assigned identities exist, please specify the clientId / resourceId "
            "of the identity in the token request");
  const std::string base = kImdsPath;
  EXPECT_EQ(body(imds(base + "&client_id=" + b.client_id))["client_id"], b.client_id);
  // Ids compare case-insensitively; object_id and msi_res_id (and their aliases) select too.
  EXPECT_EQ(body(imds(base + "&object_id=" + core::to_lower(a.principal_id)))["client_id"],
            a.client_id);
  EXPECT_EQ(body(imds(base + "&principal_id=" + a.principal_id))["client_id"], a.client_id);
  const std::string rid =
      "%2Fsubscriptions%2Fsub%2FresourceGroups%2FRG%2Fproviders%2F"
      "Microsoft.ManagedIdentity%2FuserAssignedIdentities%2Fid-b";
  EXPECT_EQ(body(imds(base + "&msi_res_id=" + rid))["client_id"], b.client_id);
  EXPECT_EQ(body(imds(base + "&mi_res_id=" + rid))["client_id"], b.client_id);
  EXPECT_EQ(description(imds(base + "&client_id=00000000-0000-0000-0000-000000000000")),
            "Identity not found");
  auto both = imds(base + "&client_id=" + a.client_id + "&msi_res_id=" + rid);
  EXPECT_EQ(both.result_int(), 400);
  EXPECT_EQ(body(both)["error"], "invalid_request");
  // An empty value counts as absent.
  EXPECT_EQ(body(imds(base + "&client_id=&object_id=" + a.principal_id))["client_id"], a.client_id);
}

TEST_F(ManagedIdentityTest, AppServiceChecksItsHeaderAndAnswersItsShape) {
  const auto mi = add("id1");
  const std::string path =
      "/MSI/token?api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net";
  auto ok = send(verb::get, path, {{"X-IDENTITY-HEADER", kHeader}});
  ASSERT_EQ(ok.result_int(), 200) << ok.body();
  const auto b = nlohmann::ordered_json::parse(ok.body());  // in the order written
  std::vector<std::string> keys;
  for (auto it = b.begin(); it != b.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"access_token", "expires_on", "resource", "token_type",
                                            "client_id"}));
  EXPECT_EQ(claims(ok)["appid"], mi.client_id);
  EXPECT_EQ(send(verb::get, path, {}).result_int(), 400);
  EXPECT_EQ(send(verb::get, path, {{"X-IDENTITY-HEADER", "wrong"}}).result_int(), 400);
  EXPECT_EQ(send(verb::get, path, {{"Metadata", "true"}}).result_int(), 400);
  auto old = send(verb::get, "/MSI/token?api-version=2017-09-01&resource=r",
                  {{"X-IDENTITY-HEADER", kHeader}});
  EXPECT_EQ(old.result_int(), 400);
}

TEST_F(ManagedIdentityTest, MsiEndpointFormPost) {
  const auto mi = add("id1");
  auto ok = send(verb::post, "/oauth2/token", {{"Metadata", "true"}},
                 "resource=https%3A%2F%2Fmanagement.core.windows.net%2F");
  ASSERT_EQ(ok.result_int(), 200) << ok.body();
  EXPECT_EQ(body(ok)["resource"], "https://management.core.windows.net/");
  EXPECT_EQ(claims(ok)["aud"], "https://management.core.windows.net/");
  auto by_id = send(verb::post, "/oauth2/token", {{"Metadata", "true"}},
                    "resource=r&object_id=" + mi.principal_id);
  EXPECT_EQ(by_id.result_int(), 200);
  EXPECT_EQ(description(send(verb::post, "/oauth2/token", {}, "resource=r")),
            "Required metadata header not specified");
  // A body that is not a form reads as an empty one.
  EXPECT_EQ(description(send(verb::post, "/oauth2/token", {{"Metadata", "true"}}, "%zz=&&=%")),
            "Required audience parameter not specified");
}

TEST_F(ManagedIdentityTest, MalformedInputGetsAnErrorNotACrash) {
  add("id1");
  for (const std::string target :
       {"/metadata/identity/oauth2/token?%", "/metadata/identity/oauth2/token?api-version=%zz",
        "/metadata/identity/oauth2/token?&&&==&", "/metadata/identity/oauth2/token?resource=%00",
        "/metadata/identity/oauth2/token?api-version=1&resource=r&client_id=%FF%FE"}) {
    auto r = imds(target);
    EXPECT_GE(r.result_int(), 200) << target;
    EXPECT_LT(r.result_int(), 500) << target;
  }
}

TEST_F(ManagedIdentityTest, ParametersThatAreNotUtf8AreAnInvalidRequest) {
  add("id1");
  const std::string base = "/metadata/identity/oauth2/token?api-version=2018-02-01";
  for (const std::string& target : {base + "&resource=%FF", base + "&resource=r&client_id=%C0%AF",
                                    base + "&resource=r&%ED%A0%80=1"}) {
    auto r = imds(target);
    EXPECT_EQ(r.result_int(), 400) << target;
    EXPECT_EQ(description(r), "Invalid request") << target;
  }
  auto app =
      send(verb::get, "/MSI/token?api-version=%FF&resource=r", {{"X-IDENTITY-HEADER", kHeader}});
  EXPECT_EQ(app.result_int(), 400);
  // Multi-byte UTF-8 is fine.
  EXPECT_EQ(imds(base + "&resource=https%3A%2F%2Fv%C3%A9.example").result_int(), 200);
}

// The listener serves the managed identity endpoints and answers anything else as IMDS does.
TEST_F(ManagedIdentityTest, AnythingElseGetsImdsOwnAnswers) {
  auto clock_route = send(verb::get, "/_kmslab/clock", {{"Metadata", "true"}});
  EXPECT_EQ(clock_route.result_int(), 404);
  EXPECT_EQ(
      body(clock_route),
      (nlohmann::json{{"error", "API not found: Path = \"/_kmslab/clock\", Method = \"GET\""}}));
  auto no_header = send(verb::post, "/_kmslab/clock", {});
  EXPECT_EQ(no_header.result_int(), 400);
  EXPECT_EQ(description(no_header), "Required metadata header not specified");
  auto wrong_method = send(verb::post, "/metadata/identity/oauth2/token", {{"Metadata", "true"}});
  EXPECT_EQ(wrong_method.result_int(), 405);
  EXPECT_EQ(body(wrong_method)["error"],
            "Http method isn't allowed: Path = \"/metadata/identity/oauth2/token\", Method = "
            "\"POST\"");
}

TEST(ManagedIdentityRoutes, RegistrationNeedsDirectoryAndKey) {
  core::Router router;
  EXPECT_THROW(register_managed_identity_routes(router, {}), std::invalid_argument);
}

}  // namespace
}  // namespace kmslab::identity
