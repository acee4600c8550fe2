// Identifiers and the claims of app-only tokens.
#include "emulator/identity/app_token.hpp"

#include <gtest/gtest.h>

#include "emulator/identity/ids.hpp"

namespace kmslab::identity {
namespace {

TEST(Ids, GuidsAndAliases) {
  EXPECT_TRUE(is_guid("5E1B0C1F-7d2a-4c8e-9b6a-2f3d4e5a6b7c"));
  EXPECT_FALSE(is_guid("5e1b0c1f7d2a4c8e9b6a2f3d4e5a6b7c"));
  EXPECT_FALSE(is_guid("5e1b0c1f-7d2a-4c8e-9b6a-2f3d4e5a6b7g"));
  EXPECT_FALSE(is_guid(""));
  EXPECT_TRUE(is_tenant_alias("Common"));
  EXPECT_TRUE(is_tenant_alias("organizations"));
  EXPECT_FALSE(is_tenant_alias("adfs"));
  EXPECT_EQ(resolve_tenant("AAAAAAAA-0000-0000-0000-000000000000", "d"),
            "aaaaaaaa-0000-0000-0000-000000000000");
  EXPECT_EQ(resolve_tenant("contoso.onmicrosoft.com", kDefaultTenantId), kDefaultTenantId);
  EXPECT_EQ(resolve_tenant("common", kDefaultTenantId), kDefaultTenantId);
}

TEST(Ids, ObjectIdsAreStableVersion5UuidsPerTenantAndClient) {
  const std::string oid = object_id_for("t1", "app");
  EXPECT_TRUE(is_guid(oid));
  EXPECT_EQ(oid[14], '5');
  EXPECT_NE(std::string("89ab").find(oid[19]), std::string::npos);
  EXPECT_EQ(object_id_for("T1", "APP"), oid);  // ids are case-insensitive GUIDs
  EXPECT_NE(object_id_for("t2", "app"), oid);
  EXPECT_NE(object_id_for("t1", "app2"), oid);
}

TEST(AppToken, AudienceOfScope) {
  EXPECT_EQ(audience_of_scope("https://vault.azure.net/.default"), "https://vault.azure.net");
  EXPECT_EQ(audience_of_scope("https://management.azure.com//.default"),
            "https://management.azure.com/");
  EXPECT_EQ(audience_of_scope("openid  https://vault.azure.net/.default profile"),
            "https://vault.azure.net");
  EXPECT_EQ(audience_of_scope("cfa8b339-82a2-471a-a3c9-0fc0be7a4093/.default"),
            "cfa8b339-82a2-471a-a3c9-0fc0be7a4093");
  EXPECT_FALSE(audience_of_scope("https://vault.azure.net"));
  EXPECT_FALSE(audience_of_scope("https://vault.azure.net/user_impersonation"));
  EXPECT_FALSE(audience_of_scope("/.default"));
  EXPECT_FALSE(audience_of_scope("openid"));
  EXPECT_FALSE(audience_of_scope(""));
}

TEST(AppToken, ClaimsAreV1AppOnlyClaimsOnTheGivenClock) {
  const auto now = *core::parse_rfc3339("2026-05-01T10:00:00Z");
  const int64_t t = 1777629600;
  const auto c = app_token_claims({"tid-1", "client-1", "https://vault.azure.net"}, now,
                                  kDefaultTokenLifetime, "request-1");
  EXPECT_EQ(c["aud"], "https://vault.azure.net");
  EXPECT_EQ(c["iss"], "https://sts.windows.net/tid-1/");
  EXPECT_EQ(c["idp"], "https://sts.windows.net/tid-1/");
  EXPECT_EQ(c["tid"], "tid-1");
  EXPECT_EQ(c["appid"], "client-1");
  EXPECT_EQ(c["appidacr"], "1");
  EXPECT_EQ(c["oid"], object_id_for("tid-1", "client-1"));
  EXPECT_EQ(c["sub"], c["oid"]);
  EXPECT_EQ(c["iat"], t);
  EXPECT_EQ(c["nbf"], t);
  EXPECT_EQ(c["exp"], t + 3599);
  EXPECT_EQ(c["ver"], "1.0");
  EXPECT_EQ(c["idtyp"], "app");
  EXPECT_EQ(c["uti"].get<std::string>().size(), 22u);
  const auto other =
      app_token_claims({"tid-1", "client-1", "a"}, now, kDefaultTokenLifetime, "request-2");
  EXPECT_NE(other["uti"], c["uti"]);
}

}  // namespace
}  // namespace kmslab::identity
