// The Kubernetes API through the real request pipeline (router, dispatcher, Status writer), no
// sockets.
#include "emulator/apiserver/k8s/api.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "tests/unit/apiserver/k8s/api_deps.hpp"

#include "emulator/apiserver/encryption/provider_set.hpp"
#include "emulator/apiserver/k8s/status.hpp"
#include "emulator/core/dispatcher.hpp"
#include "emulator/store/local_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::apiserver::k8s {
namespace {

using nlohmann::json;
namespace http = core::http;

class KubeApiTest : public ::testing::Test, protected ApiDeps {
 protected:
  KubeApiTest() {
    api.ensure_default_namespaces();
    api.register_routes(router);
  }

  std::pair<unsigned, json> call(http::verb method, const std::string& target,
                                 const std::string& body = "",
                                 const std::string& accept = "application/json",
                                 const std::string& token = "t0ken") {
    core::HttpRequest req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:6443");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    req.set(http::field::accept, accept);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    auto res = dispatcher.handle(std::move(req), core::ConnectionInfo{});
    last_headers.clear();
    for (const auto& f : res)
      last_headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    return {res.result_int(), json::parse(res.body(), nullptr, false)};
  }
  static std::string secret(const std::string& name, const std::string& rv = "") {
    json s = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata", {{"name", name}}},
              {"data", {{"a", "YQ=="}}}};
    if (!rv.empty()) s["metadata"]["resourceVersion"] = rv;
    return s.dump();
  }

  KubeApi api{storage, clock, rng, {"1.29", "t0ken", {}}};
  core::Router router;
  core::Dispatcher dispatcher{router, clock, rng, logger, metrics, status_from_api_error};
  std::vector<std::pair<std::string, std::string>> last_headers;
};

TEST_F(KubeApiTest, VersionIsPublicAndReportsFlag) {
  auto [code, body] = call(http::verb::get, "/version", "", "application/json", "");
  EXPECT_EQ(code, 200u);
  EXPECT_EQ(body["gitVersion"], "v1.29.0");
  EXPECT_EQ(body["minor"], "29");
}

TEST_F(KubeApiTest, MissingOrWrongTokenIsUnauthorizedStatus) {
  for (const std::string token : {"", "wrong"}) {
    auto [code, body] = call(http::verb::get, "/api/v1/secrets", "", "application/json", token);
    EXPECT_EQ(code, 401u);
    EXPECT_EQ(body["kind"], "Status");
    EXPECT_EQ(body["reason"], "Unauthorized");
  }
}

TEST_F(KubeApiTest, UnknownPathIsKubernetesNotFound) {
  auto [code, body] = call(http::verb::get, "/api/v1/widgets");
  EXPECT_EQ(code, 404u);
  EXPECT_EQ(body["message"], "the server could not find the requested resource");
}

TEST_F(KubeApiTest, CreateGetDelete) {
  auto [c1, created] = call(http::verb::post, "/api/v1/namespaces/default/secrets", secret("s1"));
  ASSERT_EQ(c1, 201u) << created.dump();
  EXPECT_EQ(created["type"], "Opaque");
  EXPECT_EQ(created["metadata"]["namespace"], "default");
  EXPECT_EQ(created["metadata"]["managedFields"][0]["operation"], "Update");
  auto [c2, got] = call(http::verb::get, "/api/v1/namespaces/default/secrets/s1");
  EXPECT_EQ(c2, 200u);
  EXPECT_EQ(got["metadata"]["uid"], created["metadata"]["uid"]);
  auto [c3, deleted] = call(http::verb::delete_, "/api/v1/namespaces/default/secrets/s1");
  EXPECT_EQ(c3, 200u);
  EXPECT_EQ(deleted["status"], "Success");
  EXPECT_EQ(deleted["details"]["kind"], "secrets");
  auto [c4, gone] = call(http::verb::get, "/api/v1/namespaces/default/secrets/s1");
  EXPECT_EQ(c4, 404u);
  EXPECT_EQ(gone["message"], "secrets \"s1\" not found");
  EXPECT_EQ(gone["details"]["name"], "s1");
}

TEST_F(KubeApiTest, ErrorsAreRealStatuses) {
  call(http::verb::post, "/api/v1/namespaces/default/secrets", secret("s1"));
  auto [c1, dup] = call(http::verb::post, "/api/v1/namespaces/default/secrets", secret("s1"));
  EXPECT_EQ(c1, 409u);
  EXPECT_EQ(dup["reason"], "AlreadyExists");
  auto [c2, bad] = call(http::verb::post, "/api/v1/namespaces/default/secrets", secret("Bad_Name"));
  EXPECT_EQ(c2, 422u);
  EXPECT_EQ(bad["reason"], "Invalid");
  EXPECT_EQ(bad["details"]["causes"][0]["field"], "metadata.name");
  auto [c3, nons] = call(http::verb::post, "/api/v1/namespaces/nope/secrets", secret("s2"));
  EXPECT_EQ(c3, 404u);
  EXPECT_EQ(nons["message"], "namespaces \"nope\" not found");
  auto [c4, rv] = call(http::verb::post, "/api/v1/namespaces/default/secrets", secret("s3", "5"));
  EXPECT_EQ(c4, 500u);
  EXPECT_EQ(rv["message"], "resourceVersion should not be set on objects to be created");
  auto [c5, json_err] = call(http::verb::post, "/api/v1/namespaces/default/secrets", "{x");
  EXPECT_EQ(c5, 400u);
  EXPECT_EQ(json_err["reason"], "BadRequest");
}

TEST_F(KubeApiTest, UpdateConflictAndNoOp) {
  auto [c0, created] = call(http::verb::post, "/api/v1/namespaces/default/secrets", secret("s1"));
  const std::string rv = created["metadata"]["resourceVersion"];
  // The object as read, sent back: a no-op, resourceVersion unchanged (kms.md §2.4).
  auto [c1, same] =
      call(http::verb::put, "/api/v1/namespaces/default/secrets/s1?fieldManager=kubectl-replace",
           created.dump());
  EXPECT_EQ(c1, 200u) << same.dump();
  EXPECT_EQ(same["metadata"]["resourceVersion"], rv);
  EXPECT_EQ(same["metadata"]["managedFields"].size(), 1u);
  json changed = created;
  changed["data"]["a"] = "Yg==";
  auto [c2, upd] = call(http::verb::put, "/api/v1/namespaces/default/secrets/s1", changed.dump());
  EXPECT_EQ(c2, 200u);
  EXPECT_NE(upd["metadata"]["resourceVersion"], rv);
  // A stale resourceVersion: the real Conflict message.
  auto [c3, conflict] =
      call(http::verb::put, "/api/v1/namespaces/default/secrets/s1", changed.dump());
  EXPECT_EQ(c3, 409u);
  EXPECT_EQ(conflict["message"],
            "Operation cannot be fulfilled on secrets \"s1\": the object has been modified; please "
            "apply your changes to the latest version and try again");
  auto [c4, name] =
      call(http::verb::put, "/api/v1/namespaces/default/secrets/other", changed.dump());
  EXPECT_EQ(c4, 400u);
  EXPECT_EQ(name["message"],
            "the name of the object (s1) does not match the name on the URL (other)");
}

TEST_F(KubeApiTest, ListSelectorsPagingAndTable) {
  for (const char* n : {"a", "b", "c"}) {
    json s = json::parse(secret(n));
    s["metadata"]["labels"] = {{"group", std::string(n) == "b" ? "x" : "y"}};
    call(http::verb::post, "/api/v1/namespaces/default/secrets", s.dump());
  }
  auto [c1, page] = call(http::verb::get, "/api/v1/secrets?limit=2");
  ASSERT_EQ(c1, 200u);
  EXPECT_EQ(page["kind"], "SecretList");
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_FALSE(page["items"][0].contains("kind"));
  const std::string cont = page["metadata"]["continue"];
  auto [c2, rest] = call(http::verb::get, "/api/v1/secrets?limit=2&continue=" + cont);
  ASSERT_EQ(rest["items"].size(), 1u);
  EXPECT_FALSE(rest["metadata"].contains("continue"));
  auto [c3, sel] =
      call(http::verb::get, "/api/v1/namespaces/default/secrets?labelSelector=group%3Dy");
  EXPECT_EQ(sel["items"].size(), 2u);
  auto [c4, fsel] = call(http::verb::get, "/api/v1/secrets?fieldSelector=metadata.name%3Db");
  EXPECT_EQ(fsel["items"].size(), 1u);
  auto [c5, badsel] = call(http::verb::get, "/api/v1/secrets?fieldSelector=spec.x%3D1");
  EXPECT_EQ(c5, 400u);
  auto [c6, badcont] = call(http::verb::get, "/api/v1/secrets?continue=%21%21");
  EXPECT_EQ(c6, 400u);
  auto [c7, table] = call(http::verb::get, "/api/v1/namespaces/default/secrets", "",
                          "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_EQ(table["columnDefinitions"][1]["name"], "Type");
  EXPECT_EQ(table["rows"][0]["cells"], json::parse(R"(["a","Opaque",1,"0s"])"));
}

TEST_F(KubeApiTest, DefaultNamespacesExistAndCannotBeDeleted) {
  auto [c1, list] = call(http::verb::get, "/api/v1/namespaces");
  EXPECT_EQ(list["items"].size(), 4u);
  auto [c2, refused] = call(http::verb::delete_, "/api/v1/namespaces/default");
  EXPECT_EQ(c2, 403u);
  EXPECT_EQ(refused["message"],
            "namespaces \"default\" is forbidden: this namespace may not be deleted");
}

TEST_F(KubeApiTest, DeletingNamespaceDeletesItsContents) {
  call(http::verb::post, "/api/v1/namespaces",
       R"({"kind":"Namespace","metadata":{"name":"team"}})");
  call(http::verb::post, "/api/v1/namespaces/team/secrets", secret("s1"));
  auto [c1, ns] = call(http::verb::delete_, "/api/v1/namespaces/team");
  EXPECT_EQ(c1, 200u);
  EXPECT_EQ(ns["status"]["phase"], "Terminating");
  EXPECT_FALSE(store.get("/registry/secrets/team/s1"));
}

TEST_F(KubeApiTest, UndecryptableObjectIsInternalErrorStatus) {
  call(http::verb::post, "/api/v1/namespaces/default/secrets", secret("s1"));
  store.put("/registry/secrets/default/s1", "k8s:enc:kms:v2:p:garbage");
  auto [c1, got] = call(http::verb::get, "/api/v1/namespaces/default/secrets/s1");
  EXPECT_EQ(c1, 500u);
  EXPECT_EQ(got["message"],
            "Internal error occurred: identity transformer tried to read encrypted data");
  auto [c2, list] = call(http::verb::get, "/api/v1/secrets");
  EXPECT_EQ(c2, 500u);
  EXPECT_EQ(list["message"],
            "Internal error occurred: unable to transform key \"/registry/secrets/default/s1\": "
            "identity transformer tried to read encrypted data");
}

// #11 through the API: Secrets under aesgcm (one EncryptionConfiguration, as kube-apiserver
// loads it), each stored value then corrupted as disks and operators corrupt them. kube-apiserver
// answers GET with storage.NewInternalError(err) and LIST with "unable to transform key %q: %v"
// for the first key that fails, aborting the list ([AS] pkg/storage/etcd3/store.go Get and
// processListItem with defaultListErrorAggregatorFactory, v0.26 through master); apimachinery
// wraps both as a 500 "Internal error occurred: ..." Status. Reads write nothing.
class CorruptedObjectTest : public KubeApiTest {
 protected:
  CorruptedObjectTest() {
    const std::string path = dir.file("enc.yaml");
    std::ofstream(path) << "apiVersion: apiserver.config.k8s.io/v1\n"
                           "kind: EncryptionConfiguration\n"
                           "resources:\n- resources: [secrets]\n  providers:\n"
                           "  - aesgcm: {keys: [{name: k, secret: "
                           "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=}]}\n"
                           "  - identity: {}\n";
    encryption::ProviderDeps deps{clock, metrics, "1.29"};
    deps.rng = &rng;
    storage.set_transformers(encryption::load_provider_set(path, deps).registry);
    for (const char* name : {"s1", "s2", "s3"}) {
      auto [code, body] =
          call(http::verb::post, "/api/v1/namespaces/default/secrets", secret(name));
      EXPECT_EQ(code, 201u) << body.dump();
    }
    call(http::verb::post, "/api/v1/namespaces",
         R"({"kind":"Namespace","metadata":{"name":"team"}})");
    call(http::verb::post, "/api/v1/namespaces/team/secrets", secret("t1"));
  }
  std::string stored(const std::string& name, const std::string& ns = "default") {
    return store.get("/registry/secrets/" + ns + "/" + name)->value;
  }
  // Puts `value` under s2 and checks what GET and LIST answer, and that they change nothing.
  void expect_corrupt_s2(const std::string& value, const std::string& error) {
    ASSERT_TRUE(stored("s1").starts_with(kPrefix));
    store.put("/registry/secrets/default/s2", value);
    std::map<std::string, std::string> before;
    for (const auto& kv : store.range("/registry/", 1000, "").kvs) before[kv.key] = kv.value;
    const int64_t revision = store.revision();

    auto [c1, got] = call(http::verb::get, "/api/v1/namespaces/default/secrets/s2");
    EXPECT_EQ(c1, 500u);
    EXPECT_EQ(got["kind"], "Status");
    EXPECT_EQ(got["status"], "Failure");
    EXPECT_EQ(got["reason"], "InternalError");
    EXPECT_EQ(got["code"], 500);
    EXPECT_EQ(got["message"], "Internal error occurred: " + error);
    const std::string in_list =
        "Internal error occurred: unable to transform key "
        "\"/registry/secrets/default/s2\": " +
        error;
    for (const char* target : {"/api/v1/secrets", "/api/v1/namespaces/default/secrets"}) {
      auto [c2, list] = call(http::verb::get, target);
      EXPECT_EQ(c2, 500u) << target;
      EXPECT_EQ(list["reason"], "InternalError") << target;
      EXPECT_EQ(list["message"], in_list) << target;
    }
    auto [c3, good] = call(http::verb::get, "/api/v1/namespaces/default/secrets/s1");
    EXPECT_EQ(c3, 200u);
    EXPECT_EQ(good["data"]["a"], "YQ==");
    auto [c4, other] = call(http::verb::get, "/api/v1/namespaces/team/secrets");
    EXPECT_EQ(c4, 200u);
    EXPECT_EQ(other["items"].size(), 1u);

    std::map<std::string, std::string> after;
    for (const auto& kv : store.range("/registry/", 1000, "").kvs) after[kv.key] = kv.value;
    EXPECT_EQ(after, before) << "a read of a corrupt object must not write";
    EXPECT_EQ(store.revision(), revision);
  }

  static constexpr std::string_view kPrefix = "k8s:enc:aesgcm:v1:k:";
  kmslab::testing::TempDir dir;
};

TEST_F(CorruptedObjectTest, TruncatedValue) {
  const std::string v = stored("s2");
  // Cut inside the 12-byte nonce, then just the last byte of the tag.
  expect_corrupt_s2(v.substr(0, kPrefix.size() + 5),
                    "the stored data was shorter than the required size");
  expect_corrupt_s2(v.substr(0, v.size() - 1), "cipher: message authentication failed");
}

TEST_F(CorruptedObjectTest, FlippedGcmTag) {
  std::string v = stored("s2");
  v.back() ^= 0x01;  // the tag is the value's last 16 bytes (kms.md §2.1)
  expect_corrupt_s2(v, "cipher: message authentication failed");
}

TEST_F(CorruptedObjectTest, ValueCopiedUnderAnotherKeyFailsItsAad) {
  // s1's bytes are well formed, but were sealed with "/registry/secrets/default/s1" as AAD.
  expect_corrupt_s2(stored("s1"), "cipher: message authentication failed");
}

TEST_F(CorruptedObjectTest, ListStopsAtTheFirstBadKey) {
  const std::string s1 = stored("s1");
  std::string s3 = stored("s3");
  s3.back() ^= 0x01;
  store.put("/registry/secrets/default/s3", s3);
  store.put("/registry/secrets/default/s1", stored("s2"));  // fails its AAD
  const auto list_message = [&] {
    return call(http::verb::get, "/api/v1/secrets").second["message"];
  };
  EXPECT_EQ(list_message(),
            "Internal error occurred: unable to transform key \"/registry/secrets/default/s1\": "
            "cipher: message authentication failed")
      << "kube-apiserver names the first bad key only, in key order";
  store.put("/registry/secrets/default/s1", s1);
  EXPECT_EQ(list_message(),
            "Internal error occurred: unable to transform key \"/registry/secrets/default/s3\": "
            "cipher: message authentication failed");
}

}  // namespace
}  // namespace kmslab::apiserver::k8s

namespace kmslab::apiserver::k8s {
namespace {

TEST_F(KubeApiTest, RawRouteReturnsStoredBytes) {
  call(http::verb::post, "/api/v1/namespaces/default/secrets", secret("s1"));
  core::HttpRequest req{http::verb::get, "/_kmslab/raw?key=%2Fregistry%2Fsecrets%2Fdefault%2Fs1",
                        11};
  req.set(http::field::authorization, "Bearer t0ken");
  auto res = dispatcher.handle(std::move(req), core::ConnectionInfo{});
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), store.get("/registry/secrets/default/s1")->value);
  auto [code, body] = call(http::verb::get, "/_kmslab/raw?key=%2Fnope");
  EXPECT_EQ(code, 404u);
  auto [anon, _] = call(http::verb::get, "/_kmslab/raw?key=%2Fnope", "", "application/json", "");
  EXPECT_EQ(anon, 401u);
}

}  // namespace
}  // namespace kmslab::apiserver::k8s
