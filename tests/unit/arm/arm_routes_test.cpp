// The ARM front door and providers through the dispatcher, in process.
#include <gtest/gtest.h>

#include "tests/support/arm_world.hpp"

namespace kmslab::arm {
namespace {

using core::http::verb;
using nlohmann::json;
using testing::kArmSubscription;

const std::string kSub = std::string("/subscriptions/") + kArmSubscription;
const std::string kVaults = kSub + "/resourceGroups/kmslab/providers/Microsoft.KeyVault/vaults/";
const std::string kV = "?api-version=2022-07-01";

std::string vault_body(json extra = json::object()) {
  json p = {{"tenantId", testing::kArmTenant},
            {"sku", {{"family", "A"}, {"name", "standard"}}},
            {"accessPolicies", json::array()}};
  p.update(extra);
  return json{{"location", "eastus"}, {"properties", p}}.dump();
}

class ArmTest : public ::testing::Test {
 protected:
  testing::ArmWorld w;
  std::string code_of(const core::HttpResponse& r) {
    return json::parse(r.body())["error"]["code"].get<std::string>();
  }
  unsigned status(verb m, const std::string& t, const std::string& b = {}) {
    return w.send(m, t, b).result_int();
  }
};

TEST_F(ArmTest, Authentication) {
  auto r = w.send(verb::get, "/subscriptions?api-version=2019-11-01", {}, "");
  EXPECT_EQ(r.result_int(), 401u);
  EXPECT_EQ(code_of(r), "AuthenticationFailed");
  EXPECT_NE(r[core::http::field::www_authenticate].find("authorization_uri"), std::string::npos);
  r = w.send(verb::get, "/subscriptions?api-version=2019-11-01", {}, "a.b.c");
  EXPECT_EQ(code_of(r), "InvalidAuthenticationToken");
  r = w.send(verb::get, "/subscriptions?api-version=2019-11-01", {},
             w.token("https://vault.azure.net"));
  EXPECT_EQ(code_of(r), "InvalidAuthenticationTokenAudience");
  const std::string token = w.arm_token;
  w.clock.advance(std::chrono::hours(2));
  r = w.send(verb::get, "/subscriptions?api-version=2019-11-01", {}, token);
  EXPECT_EQ(code_of(r), "ExpiredAuthenticationToken");
}

TEST_F(ArmTest, ApiVersions) {
  EXPECT_EQ(code_of(w.send(verb::get, "/subscriptions")), "MissingApiVersionParameter");
  EXPECT_EQ(code_of(w.send(verb::get, "/subscriptions?api-version=x")),
            "InvalidApiVersionParameter");
  EXPECT_EQ(code_of(w.send(verb::get, kVaults + "kv?api-version=2000-01-01")),
            "NoRegisteredProviderFound");
  EXPECT_EQ(status(verb::get, "/metadata/endpoints?api-version=2015-01-01"), 200u);
}

TEST_F(ArmTest, VaultCreateUpdateGet) {
  EXPECT_EQ(status(verb::put, kVaults + "kv1" + kV, vault_body()), 201u);
  EXPECT_EQ(status(verb::put, kVaults + "kv1" + kV, vault_body()), 200u);
  auto r = w.send(verb::patch, kVaults + "kv1" + kV,
                  json{{"properties", {{"enableRbacAuthorization", true}}}}.dump());
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_TRUE(w.vaults.find("kv1")->rbac);
  EXPECT_FALSE(w.vaults.find("kv1")->open_access);
  EXPECT_EQ(code_of(w.send(verb::put,
                           kSub +
                               "/resourceGroups/nope/providers/Microsoft.KeyVault/"
                               "vaults/kv2" +
                               kV,
                           vault_body())),
            "ResourceGroupNotFound");
  EXPECT_EQ(code_of(w.send(verb::put, kVaults + "-bad" + kV, vault_body())), "VaultNameNotValid");
}

TEST_F(ArmTest, SoftDeleteRecoverPurge) {
  ASSERT_EQ(status(verb::put, kVaults + "kv1" + kV, vault_body()), 201u);
  EXPECT_EQ(status(verb::delete_, kVaults + "kv1" + kV), 200u);
  EXPECT_EQ(status(verb::delete_, kVaults + "kv1" + kV), 204u);
  EXPECT_FALSE(w.vaults.find("kv1"));
  EXPECT_EQ(code_of(w.send(verb::put, kVaults + "kv1" + kV, vault_body())), "ConflictError");
  EXPECT_EQ(status(verb::put, kVaults + "kv1" + kV, vault_body({{"createMode", "recover"}})), 200u);
  EXPECT_TRUE(w.vaults.find("kv1"));
  ASSERT_EQ(status(verb::delete_, kVaults + "kv1" + kV), 200u);
  const std::string purge =
      kSub + "/providers/Microsoft.KeyVault/locations/eastus/deletedVaults/kv1/purge" + kV;
  auto r = w.send(verb::post, purge);
  ASSERT_EQ(r.result_int(), 202u);
  const std::string location(r[core::http::field::location]);
  EXPECT_EQ(r["Retry-After"], "1");
  EXPECT_FALSE(w.vaults.find_any("kv1"));
  const std::string op = location.substr(location.find("/subscriptions/"));
  EXPECT_EQ(status(verb::get, op), 200u);
}

TEST_F(ArmTest, PurgeProtectionAndAutomaticPurge) {
  ASSERT_EQ(status(verb::put, kVaults + "kv1" + kV,
                   vault_body({{"enablePurgeProtection", true}, {"softDeleteRetentionInDays", 7}})),
            201u);
  ASSERT_EQ(status(verb::delete_, kVaults + "kv1" + kV), 200u);
  auto r = w.send(verb::post, kSub +
                                  "/providers/Microsoft.KeyVault/locations/eastus/deletedVaults/"
                                  "kv1/purge" +
                                  kV);
  EXPECT_EQ(code_of(r), "MethodNotAllowed");
  w.clock.advance(std::chrono::hours(24 * 7) - std::chrono::seconds(1));
  EXPECT_TRUE(w.vaults.find_any("kv1"));
  w.clock.advance(std::chrono::seconds(1));
  EXPECT_FALSE(w.vaults.find_any("kv1"));
}

TEST_F(ArmTest, MalformedBodiesChangeNothing) {
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  const std::string huge = json{{"location", std::string(1 << 20, 'x')}}.dump();
  for (const std::string& body : {std::string("{"), std::string("null"), deep, huge,
                                  std::string("{\"location\":[],\"properties\":{}}"),
                                  vault_body({{"accessPolicies", {{{"tenantId", 1}}}}})}) {
    auto r = w.send(verb::put, kVaults + "kv1" + kV, body);
    EXPECT_GE(r.result_int(), 400u);
    EXPECT_LT(r.result_int(), 500u);
  }
  EXPECT_FALSE(w.vaults.find_any("kv1"));
}

TEST_F(ArmTest, RoleAssignments) {
  ASSERT_EQ(status(verb::put, kVaults + "kv1" + kV, vault_body()), 201u);
  const std::string scope = kVaults + "kv1";
  const std::string ra = scope + "/providers/Microsoft.Authorization/roleAssignments/";
  const std::string av = "?api-version=2020-04-01-preview";
  const std::string role = kSub +
                           "/providers/Microsoft.Authorization/roleDefinitions/"
                           "12338af0-0e69-4776-bea7-57ae8d297424";
  auto body = [&](const std::string& principal, bool typed) {
    json p = {{"roleDefinitionId", role}, {"principalId", principal}};
    if (typed) p["principalType"] = "ServicePrincipal";
    return json{{"properties", p}}.dump();
  };
  const std::string p1 = "11111111-1111-4111-8111-111111111111";
  EXPECT_EQ(
      code_of(w.send(verb::put, ra + "aaaaaaaa-1111-4111-8111-111111111111" + av, body(p1, false))),
      "PrincipalNotFound");
  EXPECT_EQ(status(verb::put, ra + "aaaaaaaa-1111-4111-8111-111111111111" + av, body(p1, true)),
            201u);
  EXPECT_EQ(
      code_of(w.send(verb::put, ra + "bbbbbbbb-1111-4111-8111-111111111111" + av, body(p1, true))),
      "RoleAssignmentExists");
  EXPECT_EQ(code_of(w.send(verb::put, ra + "not-a-guid" + av, body(p1, true))),
            "InvalidRoleAssignmentId");
  json bad = json::parse(body(p1, true));
  bad["properties"]["roleDefinitionId"] = kSub +
                                          "/providers/Microsoft.Authorization/"
                                          "roleDefinitions/00000000-0000-4000-8000-000000000000";
  EXPECT_EQ(
      code_of(w.send(verb::put, ra + "cccccccc-1111-4111-8111-111111111111" + av, bad.dump())),
      "RoleDefinitionDoesNotExist");
  auto list =
      json::parse(w.send(verb::get, scope + "/providers/Microsoft.Authorization/roleAssignments" +
                                        av + "&$filter=atScope()")
                      .body());
  EXPECT_EQ(list["value"].size(), 1u);
  EXPECT_TRUE(
      w.assignments.check_data_action(p1, "Microsoft.KeyVault/vaults/keys/decrypt/action", scope)
          .allowed);
  ASSERT_EQ(status(verb::delete_, kVaults + "kv1" + kV), 200u);
  EXPECT_TRUE(w.assignments.list().empty());
}

TEST_F(ArmTest, RoleDefinitionByName) {
  auto r = w.send(verb::get, kSub +
                                 "/providers/Microsoft.Authorization/roleDefinitions?api-version="
                                 "2018-01-01-preview&$filter=roleName%20eq%20'Key%20Vault%20"
                                 "Crypto%20User'");
  auto list = json::parse(r.body());
  ASSERT_EQ(list["value"].size(), 1u);
  EXPECT_EQ(list["value"][0]["name"], "12338af0-0e69-4776-bea7-57ae8d297424");
}

TEST_F(ArmTest, ManagedIdentities) {
  const std::string id =
      kSub +
      "/resourceGroups/kmslab/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
      "id1?api-version=2022-01-31-preview";
  auto r = w.send(verb::put, id, R"({"location":"eastus"})");
  ASSERT_EQ(r.result_int(), 201u);
  auto created = json::parse(r.body());
  EXPECT_EQ(created["properties"]["tenantId"], testing::kArmTenant);
  r = w.send(verb::put, id, R"({"location":"eastus","tags":{"a":"b"}})");
  EXPECT_EQ(json::parse(r.body())["properties"]["principalId"],
            created["properties"]["principalId"]);
  EXPECT_EQ(status(verb::delete_, id), 200u);
  EXPECT_EQ(status(verb::delete_, id), 204u);
  EXPECT_EQ(code_of(w.send(verb::get, id)), "ResourceNotFound");
}

TEST_F(ArmTest, ResourceGroups) {
  const std::string rg = kSub + "/resourcegroups/rg2?api-version=2021-04-01";
  EXPECT_EQ(status(verb::head, rg), 404u);
  EXPECT_EQ(status(verb::put, rg, R"({"location":"East US"})"), 201u);
  EXPECT_EQ(status(verb::head, rg), 204u);
  EXPECT_EQ(json::parse(w.send(verb::get, rg).body())["location"], "eastus");
  EXPECT_EQ(code_of(w.send(verb::put, kSub + "/resourcegroups/bad!name?api-version=2021-04-01",
                           R"({"location":"eastus"})")),
            "InvalidResourceGroup");
  EXPECT_EQ(status(verb::delete_, rg), 202u);
  EXPECT_EQ(status(verb::head, rg), 404u);
  EXPECT_EQ(status(verb::head, kSub + "/resourcegroups/KMSLAB?api-version=2021-04-01"), 204u);
}

TEST_F(ArmTest, GraphForAppOnlyCallers) {
  auto me = w.send(verb::get, "/v1.0/me");
  EXPECT_EQ(me.result_int(), 400u);
  auto sps =
      json::parse(w.send(verb::get,
                         "/v1.0/servicePrincipals?$filter=servicePrincipalNames%2Fany(c%3Ac%20eq%20"
                         "'app-1')")
                      .body());
  ASSERT_EQ(sps["value"].size(), 1u);
  const auto claims = identity::jwt::decode_unverified(w.arm_token)->claims;
  EXPECT_EQ(sps["value"][0]["id"], claims["oid"]);
  EXPECT_EQ(w.send(verb::get, "/v1.0/me", {}, "").result_int(), 401u);
}

TEST_F(ArmTest, ResourcesFilter) {
  ASSERT_EQ(status(verb::put, kVaults + "kv1" + kV, vault_body()), 201u);
  auto r = w.send(verb::get, kSub +
                                 "/resources?api-version=2015-11-01&$filter=resourceType%20eq%20"
                                 "'Microsoft.KeyVault%2Fvaults'");
  EXPECT_EQ(json::parse(r.body())["value"][0]["name"], "kv1");
  EXPECT_EQ(code_of(w.send(verb::get, kSub + "/resources?api-version=2015-11-01&$filter=x")),
            "InvalidFilterInQueryString");
}

}  // namespace
}  // namespace kmslab::arm
