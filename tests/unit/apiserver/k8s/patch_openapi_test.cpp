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
  EXPECT_EQ(std::get<Status>(apply_patch(PatchType::kJson, cur,
                                         json::parse(R"([{"op":"remove","path":"/nope"}])")))
                .code,
            400u);
  EXPECT_EQ(std::get<Status>(apply_patch(PatchType::kJson, cur, json::object())).code, 400u);
  EXPECT_EQ(std::get<Status>(apply_patch(PatchType::kStrategic, cur, {{"$patch", "replace"}})).code,
            400u);
  EXPECT_EQ(std::get<Status>(apply_patch(PatchType::kMerge, cur, json::array())).code, 400u);
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
