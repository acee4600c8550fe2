#include "emulator/core/router.hpp"

#include <gtest/gtest.h>

namespace kmslab::core {
namespace {

Handler named(std::string name) {
  return [name](RequestContext&) -> Result<Reply> { return Reply::text(name); };
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto admin = router.add_group("admin", {"*"});
    router.add(admin, http::verb::get, "/_kmslab/health", "health", named("health"));
    auto vault = router.add_group("vault", {"{vault}.vault.azure.net", "{vault}.vault.localhost"});
    router.add(vault, http::verb::get, "/keys/{name}/{version?}", "keys.get", named("get"));
    router.add(vault, http::verb::post, "/keys/{name}/create", "keys.create", named("create"));
    router.add(vault, http::verb::get, "/keys", "keys.list", named("list"));
  }
  Router router;
};

TEST_F(RouterTest, MatchesHostCapturesAndPathParameters) {
  auto m = router.match("myvault.vault.azure.net", http::verb::get, "/keys/k1/abc");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.route, "keys.get");
  EXPECT_EQ(m.params["vault"], "myvault");
  EXPECT_EQ(m.params["name"], "k1");
  EXPECT_EQ(m.params["version"], "abc");
}

TEST_F(RouterTest, OptionalLastSegmentAndSlashesAreTolerated) {
  for (const char* path : {"/keys/k1", "/keys/k1/", "//keys//k1/", "/KEYS/k1"}) {
    auto m = router.match("v.vault.localhost", http::verb::get, path);
    ASSERT_NE(m.handler, nullptr) << path;
    EXPECT_EQ(m.params["version"], "") << path;
  }
}

TEST_F(RouterTest, HostsAreCaseInsensitiveAndMustMatchAGroup) {
  EXPECT_NE(router.match("MyVault.Vault.Azure.NET", http::verb::get, "/keys").handler, nullptr);
  EXPECT_EQ(router.match("example.com", http::verb::get, "/keys").handler, nullptr);
  EXPECT_EQ(router.match("a.b.vault.azure.net", http::verb::get, "/keys").handler, nullptr);
  EXPECT_EQ(router.match(".vault.azure.net", http::verb::get, "/keys").handler, nullptr);
  EXPECT_NE(router.match("anything", http::verb::get, "/_kmslab/health").handler, nullptr);
}

TEST_F(RouterTest, ReportsWrongMethodSeparatelyFromUnknownPath) {
  auto m = router.match("v.vault.azure.net", http::verb::delete_, "/keys/k1/create");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.other_method);  // GET /keys/{name}/{version} matches the path
  auto m2 = router.match("v.vault.azure.net", http::verb::put, "/keys");
  EXPECT_EQ(m2.handler, nullptr);
  EXPECT_TRUE(m2.other_method);
  auto m3 = router.match("v.vault.azure.net", http::verb::get, "/nothing/here/at/all");
  EXPECT_EQ(m3.handler, nullptr);
  EXPECT_FALSE(m3.other_method);
}

TEST_F(RouterTest, LiteralRouteRegisteredFirstWinsOverParameter) {
  auto m = router.match("v.vault.azure.net", http::verb::post, "/keys/k1/create");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.route, "keys.create");
}

TEST(RouterRules, OptionalSegmentMustBeLast) {
  Router r;
  auto g = r.add_group("g", {"*"});
  EXPECT_THROW(r.add(g, http::verb::get, "/a/{b?}/c", "x", named("x")), std::logic_error);
}

TEST(QueryParsing, DecodesAndRejectsMalformedEscapes) {
  auto q = parse_query("api-version=7.5&maxresults=2&x=a%20b+c&flag");
  ASSERT_TRUE(q);
  EXPECT_EQ((*q)["api-version"], "7.5");
  EXPECT_EQ((*q)["x"], "a b c");
  EXPECT_EQ((*q)["flag"], "");
  EXPECT_FALSE(parse_query("a=%zz"));
  EXPECT_FALSE(parse_query("a=%4"));
  EXPECT_FALSE(parse_query("a=%"));
  EXPECT_EQ(percent_decode("/keys/a%2Fb", false), "/keys/a/b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
}

}  // namespace
}  // namespace kmslab::core
