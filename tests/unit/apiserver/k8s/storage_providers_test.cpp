// GET /_kmslab/storage/providers: the per-resource census of stored value prefixes (I8, aks.md
// §4), through the real request pipeline, no sockets.
#include "emulator/apiserver/k8s/storage_providers.hpp"

#include <gtest/gtest.h>

#include "tests/unit/apiserver/k8s/api_deps.hpp"

#include "emulator/apiserver/k8s/api.hpp"
#include "emulator/apiserver/k8s/status.hpp"
#include "emulator/core/dispatcher.hpp"

namespace kmslab::apiserver::k8s {
namespace {

using nlohmann::json;
namespace http = core::http;

TEST(StoredPrefix, NamesTheProviderOrKey) {
  EXPECT_EQ(stored_prefix("k8s:enc:kms:v2:azurekmsprovider:\x0a\x01:x"),
            "k8s:enc:kms:v2:azurekmsprovider:");
  EXPECT_EQ(stored_prefix("k8s:enc:kms:v1:old:\x00\x10zz"), "k8s:enc:kms:v1:old:");
  EXPECT_EQ(stored_prefix("k8s:enc:aescbc:v1:key1:abc"), "k8s:enc:aescbc:v1:key1:");
  EXPECT_EQ(stored_prefix("k8s:enc:secretbox:v1:k:"), "k8s:enc:secretbox:v1:k:");
  EXPECT_EQ(stored_prefix(std::string("k8s\0\x0a\x0d", 6)), "identity");
  EXPECT_EQ(stored_prefix("{\"kind\":\"Secret\"}"), "identity");
  EXPECT_EQ(stored_prefix(""), "identity");
}

TEST(StoredPrefix, MalformedEncryptedHeadIsUnknown) {
  EXPECT_EQ(stored_prefix("k8s:enc:"), "k8s:enc:unknown");
  EXPECT_EQ(stored_prefix("k8s:enc:kms:v2:no-end"), "k8s:enc:unknown");
  EXPECT_EQ(stored_prefix("k8s:enc:kms:v2:" + std::string(300, 'n') + ":"), "k8s:enc:unknown");
}

class StorageProvidersTest : public ::testing::Test, protected ApiDeps {
 protected:
  StorageProvidersTest() { api.register_routes(router); }

  void put(const std::string& key, const std::string& value) {
    store.txn({{}, {store::Op::put(key, value)}, {}});
  }
  std::pair<unsigned, json> get(const std::string& token = "t0ken") {
    core::HttpRequest req{http::verb::get, "/_kmslab/storage/providers", 11};
    req.set(http::field::host, "127.0.0.1:6443");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    auto res = dispatcher.handle(std::move(req), core::ConnectionInfo{});
    return {res.result_int(), json::parse(res.body(), nullptr, false)};
  }

  KubeApi api{storage, clock, rng, {"1.29", "t0ken", {}}};
  core::Router router;
  core::Dispatcher dispatcher{router, clock, rng, logger, metrics, status_from_api_error};
};

TEST_F(StorageProvidersTest, CountsEachPrefixPerResourceFromStoredBytes) {
  put("/registry/secrets/default/a", "k8s:enc:kms:v2:azurekmsprovider:\x0a\x05zz");
  put("/registry/secrets/default/b", "k8s:enc:kms:v2:azurekmsprovider:\x0a\x05yy");
  put("/registry/secrets/kube-system/c", "k8s:enc:kms:v2:azurekmsprovider-2:\x0a");
  put("/registry/secrets/default/d", std::string("k8s\0plain", 9));
  put("/registry/configmaps/default/e", "k8s:enc:aescbc:v1:key1:....");
  put("/registry/secretsfoo/x", "k8s:enc:kms:v2:elsewhere:");  // not the secrets collection
  auto [code, body] = get();
  ASSERT_EQ(code, 200u) << body.dump();
  EXPECT_EQ(body["kind"], "StorageProviders");
  EXPECT_EQ(body["complete"], true);
  EXPECT_EQ(body["scanned"], 5);
  EXPECT_EQ(body["resources"]["secrets"], json({{"k8s:enc:kms:v2:azurekmsprovider:", 2},
                                                {"k8s:enc:kms:v2:azurekmsprovider-2:", 1},
                                                {"identity", 1}}));
  EXPECT_EQ(body["resources"]["configmaps"], json({{"k8s:enc:aescbc:v1:key1:", 1}}));
  EXPECT_EQ(body["resources"]["namespaces"], json::object());
  EXPECT_FALSE(body["resources"].contains("pods"));  // read-only: never stored
}

TEST_F(StorageProvidersTest, RequiresTheBearerToken) {
  for (const std::string token : {"", "wrong"}) {
    auto [code, body] = get(token);
    EXPECT_EQ(code, 401u);
    EXPECT_EQ(body["reason"], "Unauthorized");
  }
}

TEST_F(StorageProvidersTest, StopsAtTheValueBoundAndSaysIncomplete) {
  for (int i = 0; i < 5; ++i) put("/registry/secrets/default/s" + std::to_string(i), "k8s:x");
  put("/registry/namespaces/zz", "k8s:x");
  const json census = storage_providers(storage, {"secrets", "namespaces"}, 3);
  EXPECT_EQ(census["scanned"], 3);
  EXPECT_EQ(census["complete"], false);
  EXPECT_EQ(census["resources"]["secrets"], json({{"identity", 3}}));
  EXPECT_EQ(census["resources"]["namespaces"], json::object());
  EXPECT_EQ(storage_providers(storage, {"secrets", "namespaces"}, 6)["complete"], true);
}

}  // namespace
}  // namespace kmslab::apiserver::k8s
