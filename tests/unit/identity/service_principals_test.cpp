// Registered applications at the token endpoint (client_validator) and the directory's admin API.
#include "emulator/identity/service_principals.hpp"

#include <gtest/gtest.h>

#include "emulator/identity/directory_admin.hpp"
#include "tests/unit/identity/identity_test_support.hpp"

namespace kmslab::identity {
namespace {

using core::http::verb;

constexpr const char* kTenant = "11111111-2222-3333-4444-555555555555";

class ServicePrincipalsTest : public ::testing::Test, protected testing::RouteHarness {
 protected:
  ServicePrincipalsTest() : directory(*store, rng) {
    register_directory_admin_routes(router, {directory, kTenant, "sub", "kmslab", "eastus", "tok"});
    finish();
  }

  ServicePrincipal registered(std::string& secret) {
    return directory.create_service_principal(kTenant, "app", secret);
  }

  // Admin calls, with the admin token unless `auth` says otherwise.
  core::HttpResponse call(verb method, const std::string& target, std::string body = {},
                          const std::string& auth = "Bearer tok") {
    Headers headers;
    if (!auth.empty()) headers.emplace_back("Authorization", auth);
    return send(method, target, headers, std::move(body));
  }

  Directory directory;
};

TEST_F(ServicePrincipalsTest, ARegisteredAppNeedsItsOwnSecretAndGetsItsObjectId) {
  std::string secret;
  const auto sp = registered(secret);
  auto validate = client_validator(directory, DirectoryMode::kOpen);
  auto ok = validate({kTenant, sp.app_id, secret});
  EXPECT_FALSE(ok.error);
  EXPECT_EQ(ok.object_id, sp.object_id);
  auto bad = validate({kTenant, core::to_lower(sp.app_id), secret + "x"});
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->code, 7000215);
  EXPECT_EQ(bad.error->status, 401u);
  EXPECT_NE(bad.error->message.find("app '" + sp.app_id + "'"), std::string::npos);
}

TEST(ServicePrincipalSecrets, ComeFromTheCsprngEvenUnderASeed) {
  // Two directories on the same seed: the ids reproduce, the secrets must not.
  auto store_a = store::open_store("memory");
  auto store_b = store::open_store("memory");
  core::SeededRng rng_a(7);
  core::SeededRng rng_b(7);
  Directory a(*store_a, rng_a);
  Directory b(*store_b, rng_b);
  std::string secret_a;
  std::string secret_b;
  const auto sp_a = a.create_service_principal(kTenant, "app", secret_a);
  const auto sp_b = b.create_service_principal(kTenant, "app", secret_b);
  EXPECT_EQ(sp_a.app_id, sp_b.app_id);
  EXPECT_EQ(sp_a.object_id, sp_b.object_id);
  EXPECT_EQ(secret_a.size(), 40u);
  EXPECT_NE(secret_a, secret_b);
}

TEST_F(ServicePrincipalsTest, UnknownAppsDependOnTheDirectoryMode) {
  const ClientCredentials unknown{kTenant, "99999999-0000-4000-8000-000000000000", "s"};
  auto open = client_validator(directory, DirectoryMode::kOpen)(unknown);
  EXPECT_FALSE(open.error);
  EXPECT_TRUE(open.object_id.empty());  // the token endpoint uses the name-based id
  auto refused = client_validator(directory, DirectoryMode::kRegistered)(unknown);
  ASSERT_TRUE(refused.error);
  EXPECT_EQ(refused.error->code, 700016);
  EXPECT_EQ(refused.error->error, "unauthorized_client");
  EXPECT_NE(refused.error->message.find(std::string("directory '") + kTenant + "'"),
            std::string::npos);
  // Registered in another tenant is unknown in this one.
  std::string secret;
  const auto sp = registered(secret);
  const ClientCredentials elsewhere{"22222222-2222-3333-4444-555555555555", sp.app_id, secret};
  EXPECT_EQ(client_validator(directory, DirectoryMode::kRegistered)(elsewhere).error->code, 700016);
}

TEST_F(ServicePrincipalsTest, AdminApiCreatesAndListsWithoutSecrets) {
  auto created =
      call(verb::post, "/_kmslab/identity/service-principals", R"({"displayName":"ci"})");
  ASSERT_EQ(created.result_int(), 201) << created.body();
  const auto c = body(created);
  EXPECT_EQ(c["displayName"], "ci");
  EXPECT_EQ(c["tenant"], kTenant);
  EXPECT_EQ(c["password"].get<std::string>().size(), 40u);
  auto sp = directory.find_service_principal(c["appId"]);
  ASSERT_TRUE(sp);
  EXPECT_TRUE(directory.check_secret(*sp, c["password"]));
  EXPECT_EQ(sp->object_id, c["objectId"]);
  auto list = call(verb::get, "/_kmslab/identity/service-principals", {}, "");
  ASSERT_EQ(list.result_int(), 200);
  EXPECT_EQ(body(list)["value"].size(), 1u);
  EXPECT_EQ(list.body().find(c["password"].get<std::string>()), std::string::npos);
  EXPECT_EQ(list.body().find("secret"), std::string::npos);
  // A default name when none is given.
  auto unnamed = call(verb::post, "/_kmslab/identity/service-principals");
  EXPECT_EQ(unnamed.result_int(), 201);
}

TEST_F(ServicePrincipalsTest, AdminApiRefusesBadInputAndMissingTokens) {
  const std::string path = "/_kmslab/identity/service-principals";
  EXPECT_EQ(call(verb::post, path, R"({"displayName":"x"})", "").result_int(), 401);
  EXPECT_EQ(call(verb::post, path, R"({"displayName":"x"})", "Bearer nope").result_int(), 401);
  for (const std::string bad : {"[", "[]", R"({"displayName":3})", R"({"displayName":""})"}) {
    auto r = call(verb::post, path, bad);
    EXPECT_EQ(r.result_int(), 400) << bad;
    EXPECT_EQ(body(r)["error"]["code"], "BadParameter");
  }
  EXPECT_TRUE(directory.list_service_principals().empty());
}

TEST_F(ServicePrincipalsTest, AdminApiManagesManagedIdentities) {
  const std::string path = "/_kmslab/identity/managed-identities";
  auto created = call(verb::post, path, R"({"name":"kms-id","resourceGroup":"rg1"})");
  ASSERT_EQ(created.result_int(), 201) << created.body();
  const auto c = body(created);
  EXPECT_EQ(c["id"],
            "/subscriptions/sub/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/"
            "userAssignedIdentities/kms-id");
  EXPECT_EQ(c["type"], "Microsoft.ManagedIdentity/userAssignedIdentities");
  EXPECT_EQ(c["location"], "eastus");
  EXPECT_EQ(c["properties"]["tenantId"], kTenant);
  // Again: the same identity, same ids.
  auto again = call(verb::post, path, R"({"name":"kms-id","resourceGroup":"rg1"})");
  EXPECT_EQ(again.result_int(), 200);
  EXPECT_EQ(body(again)["properties"]["clientId"], c["properties"]["clientId"]);
  for (const std::string bad : {R"({})", R"({"name":"a"})", R"({"name":"a b c"})",
                                R"({"name":"abc","resourceGroup":"a/b"})", R"({"name":7})"}) {
    EXPECT_EQ(call(verb::post, path, bad).result_int(), 400) << bad;
  }
  EXPECT_EQ(body(call(verb::get, path, {}, ""))["value"].size(), 1u);
  EXPECT_EQ(call(verb::delete_, path + "/rg1/kms-id", {}, "").result_int(), 401);
  EXPECT_EQ(call(verb::delete_, path + "/rg1/kms-id").result_int(), 204);
  EXPECT_EQ(call(verb::delete_, path + "/rg1/kms-id").result_int(), 404);
  EXPECT_TRUE(directory.list_managed_identities().empty());
}

}  // namespace
}  // namespace kmslab::identity
