// The Kubernetes API through the real request pipeline (router, dispatcher, Status writer), no
// sockets.
#include "emulator/apiserver/k8s/api.hpp"

#include <gtest/gtest.h>

#include "tests/unit/apiserver/k8s/api_deps.hpp"

#include "emulator/apiserver/encryption/provider_set.hpp"
#include "emulator/apiserver/k8s/status.hpp"
#include "emulator/core/dispatcher.hpp"
#include "emulator/store/local_store.hpp"

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
