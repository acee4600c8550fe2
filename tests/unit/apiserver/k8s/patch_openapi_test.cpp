#include <gtest/gtest.h>

#include "emulator/apiserver/k8s/openapi.hpp"
#include "emulator/apiserver/k8s/patch.hpp"
#include "gnostic/openapiv2.pb.h"

namespace kmslab::apiserver::k8s {
namespace {

using nlohmann::json;

TEST(Patch, TypesFromContentType) {
  EXPECT_EQ(patch_type("application/merge-patch+json"), PatchType::kMerge);
  EXPECT_EQ(patch_type("application/strategic-merge-patch+json; charset=utf-8"),
            PatchType::kStrategic);
  EXPECT_EQ(patch_type("application/json-patch+json"), PatchType::kJson);
  EXPECT_FALSE(patch_type("application/apply-patch+yaml"));
}

TEST(Patch, MergeJsonAndStrategic) {
  const json cur = {{"metadata", {{"name", "s"}, {"finalizers", {"a"}}}},
                    {"data", {{"x", "eA=="}}}};
  auto merged = std::get<json>(
      apply_patch(PatchType::kMerge, cur, {{"data", {{"x", nullptr}, {"y", "eQ=="}}}}));
  EXPECT_EQ(merged["data"], json({{"y", "eQ=="}}));
  auto strategic = std::get<json>(
      apply_patch(PatchType::kStrategic, cur, {{"metadata", {{"finalizers", {"b"}}}}}));
  EXPECT_EQ(strategic["metadata"]["finalizers"], json({"a", "b"}));
  auto replaced =
      std::get<json>(apply_patch(PatchType::kMerge, cur, {{"metadata", {{"finalizers", {"b"}}}}}));
  EXPECT_EQ(replaced["metadata"]["finalizers"], json({"b"}));
  auto jp = std::get<json>(
      apply_patch(PatchType::kJson, cur, json::parse(R"([{"op":"remove","path":"/data/x"}])")));
  EXPECT_TRUE(jp["data"].empty());
}

TEST(Patch, BadPatchesAreBadRequests) {
  const json cur = {{"data", json::object()}};
  EXPECT_EQ(std::get<Status>(apply_patch(PatchType::kJson, cur, json::object())).code, 400u);
  EXPECT_EQ(std::get<Status>(apply_patch(PatchType::kStrategic, cur, {{"$patch", "replace"}})).code,
            400u);
  EXPECT_EQ(std::get<Status>(apply_patch(PatchType::kMerge, cur, json::array())).code, 400u);
}

// A JSON patch that decodes but does not apply is patch.go's generic 422, its cause dropped.
TEST(Patch, AJsonPatchThatDoesNotApplyIsTheGenericInvalid) {
  const json cur = {{"data", {{"a", "x"}}}};
  for (const char* ops :
       {R"([{"op":"remove","path":"/nope"}])", R"([{"op":"test","path":"/data/a","value":"y"}])",
        R"([{"op":"frobnicate","path":"/data"}])", R"([{"path":"/data"}])"}) {
    const auto result = apply_patch(PatchType::kJson, cur, json::parse(ops));
    ASSERT_TRUE(std::holds_alternative<Status>(result)) << ops;
    const Status& s = std::get<Status>(result);
    EXPECT_EQ(s.code, 422u) << ops;
    EXPECT_EQ(s.reason, "Invalid");
    EXPECT_EQ(s.message, "the server rejected our request due to an error in our request");
    EXPECT_EQ(status_body(s).dump(),
              R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":)"
              R"("the server rejected our request due to an error in our request","reason":)"
              R"("Invalid","details":{},"code":422})");
  }
}

// Found by fuzz_apiserver_patch: 24 "copy" operations (a 1.6 KB body) doubled the object each
// time until the apiserver ran out of memory. kube-apiserver's limits now hold (patch.cpp).
TEST(Patch, JsonPatchCopiesAndOperationsAreBounded) {
  const auto copies = [](int n) {
    json ops = json::array();
    for (int i = 0; i < n; ++i)
      ops.push_back({{"op", "copy"}, {"from", "/data"}, {"path", "/data/x" + std::to_string(i)}});
    return ops;
  };
  // 1 MiB copied, then 2 MiB: past the 3 MiB kube-apiserver allows in all.
  const json big = {{"data", {{"a", std::string(1 << 20, 'x')}}}};
  const auto refused = apply_patch(PatchType::kJson, big, copies(2));
  ASSERT_TRUE(std::holds_alternative<Status>(refused));
  const Status& s = std::get<Status>(refused);
  EXPECT_EQ(s.code, 422u);
  EXPECT_EQ(s.message, "the server rejected our request due to an error in our request");
  const json cur = {{"data", {{"a", "x"}}}};
  const json small = std::get<json>(apply_patch(PatchType::kJson, cur, copies(3)));
  EXPECT_EQ(small["data"]["x2"]["x1"]["x0"]["a"], "x") << "copies under the limit apply in order";

  json many = json::array();
  for (int i = 0; i < 10001; ++i)
    many.push_back({{"op", "test"}, {"path", "/data"}, {"value", cur["data"]}});
  const auto too_many = apply_patch(PatchType::kJson, cur, many);
  ASSERT_TRUE(std::holds_alternative<Status>(too_many));
  EXPECT_EQ(std::get<Status>(too_many).code, 413u);
  EXPECT_EQ(std::get<Status>(too_many).reason, "RequestEntityTooLarge");
  EXPECT_EQ(std::get<Status>(too_many).message,
            "Request entity too large: The allowed maximum operations in a JSON patch is 10000, "
            "got 10001");
  many.erase(many.begin() + 10000, many.end());
  EXPECT_TRUE(std::holds_alternative<json>(apply_patch(PatchType::kJson, cur, many)));
}

// kubectl.md: gnostic's Document, definitions named as kube-apiserver names them, each served
// kind tagged with x-kubernetes-group-version-kind (YAML), metadata by reference.
TEST(OpenApiV2, DocumentParsesAsGnosticAndDescribesServedKinds) {
  openapi::v2::Document doc;
  ASSERT_TRUE(doc.ParseFromString(openapi_v2_document("1.29.0")));
  EXPECT_EQ(doc.swagger(), "2.0");
  std::map<std::string, const openapi::v2::Schema*> defs;
  for (const auto& d : doc.definitions().additional_properties()) defs[d.name()] = &d.value();
  ASSERT_TRUE(defs.count("io.k8s.api.core.v1.Secret"));
  ASSERT_TRUE(defs.count("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
  const auto* secret = defs["io.k8s.api.core.v1.Secret"];
  ASSERT_EQ(secret->vendor_extension_size(), 1);
  EXPECT_EQ(secret->vendor_extension(0).value().yaml(),
            "- group: \"\"\n  kind: Secret\n  version: v1\n");
  std::map<std::string, const openapi::v2::Schema*> props;
  for (const auto& p : secret->properties().additional_properties()) props[p.name()] = &p.value();
  EXPECT_EQ(props["metadata"]->_ref(),
            "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  EXPECT_EQ(props["data"]->additional_properties().schema().format(), "byte");
  for (const char* k : {"ConfigMap", "Namespace", "SecretList"}) {
    EXPECT_TRUE(defs.count(std::string("io.k8s.api.core.v1.") + k)) << k;
  }
  bool has_managed = false;
  for (const auto& p : defs["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]
                           ->properties()
                           .additional_properties())
    has_managed |= p.name() == "managedFields";
  EXPECT_TRUE(has_managed);
}

}  // namespace
}  // namespace kmslab::apiserver::k8s
