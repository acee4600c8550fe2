#include "emulator/apiserver/k8s/openapi.hpp"

#include <utility>
#include <vector>

#include "emulator/apiserver/k8s/status.hpp"
#include "gnostic/openapiv2.pb.h"

namespace kmslab::apiserver::k8s {

namespace {

using openapi::v2::Schema;

constexpr const char* kMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.";
constexpr const char* kCore = "io.k8s.api.core.v1.";

Schema typed(const std::string& type, const std::string& format = "") {
  Schema s;
  s.mutable_type()->add_value(type);
  if (!format.empty()) s.set_format(format);
  return s;
}
Schema str() {
  return typed("string");
}
Schema boolean() {
  return typed("boolean");
}
Schema int64() {
  return typed("integer", "int64");
}
Schema def_ref(const std::string& definition) {
  Schema s;
  s.set__ref("#/definitions/" + definition);
  return s;
}
Schema map_of(const Schema& value) {
  Schema s = typed("object");
  *s.mutable_additional_properties()->mutable_schema() = value;
  return s;
}
Schema array_of(const Schema& item) {
  Schema s = typed("array");
  *s.mutable_items()->add_schema() = item;
  return s;
}

using Fields = std::vector<std::pair<std::string, Schema>>;

Schema object(const Fields& fields, const std::vector<std::string>& required = {}) {
  Schema s = typed("object");
  for (const auto& [name, value] : fields) {
    auto* p = s.mutable_properties()->add_additional_properties();
    p->set_name(name);
    *p->mutable_value() = value;
  }
  for (const auto& r : required) s.add_required(r);
  return s;
}

// x-kubernetes-group-version-kind, as YAML (gnostic Any.yaml).
Schema with_gvk(Schema s, const std::string& kind) {
  auto* ext = s.add_vendor_extension();
  ext->set_name("x-kubernetes-group-version-kind");
  ext->mutable_value()->set_yaml("- group: \"\"\n  kind: " + kind + "\n  version: v1\n");
  return s;
}

Fields typed_object(const std::string& kind, Fields more) {
  Fields f = {{"apiVersion", str()},
              {"kind", str()},
              {"metadata", def_ref(std::string(kMeta) + "ObjectMeta")}};
  f.insert(f.end(), more.begin(), more.end());
  (void)kind;
  return f;
}

Schema list_of(const std::string& kind) {
  return with_gvk(object({{"apiVersion", str()},
                          {"items", array_of(def_ref(std::string(kCore) + kind))},
                          {"kind", str()},
                          {"metadata", def_ref(std::string(kMeta) + "ListMeta")}},
                         {"items"}),
                  kind + "List");
}

std::vector<std::pair<std::string, Schema>> definitions() {
  const std::string m = kMeta, c = kCore;
  const Schema time = typed("string", "date-time");
  std::vector<std::pair<std::string, Schema>> d;
  d.emplace_back(m + "Time", time);
  d.emplace_back(m + "FieldsV1", typed("object"));  // free-form, as kube-apiserver publishes it
  d.emplace_back(m + "ManagedFieldsEntry", object({{"apiVersion", str()},
                                                   {"fieldsType", str()},
                                                   {"fieldsV1", def_ref(m + "FieldsV1")},
                                                   {"manager", str()},
                                                   {"operation", str()},
                                                   {"subresource", str()},
                                                   {"time", def_ref(m + "Time")}}));
  d.emplace_back(m + "OwnerReference", object({{"apiVersion", str()},
                                               {"blockOwnerDeletion", boolean()},
                                               {"controller", boolean()},
                                               {"kind", str()},
                                               {"name", str()},
                                               {"uid", str()}},
                                              {"apiVersion", "kind", "name", "uid"}));
  d.emplace_back(m + "ObjectMeta",
                 object({{"annotations", map_of(str())},
                         {"creationTimestamp", def_ref(m + "Time")},
                         {"deletionGracePeriodSeconds", int64()},
                         {"deletionTimestamp", def_ref(m + "Time")},
                         {"finalizers", array_of(str())},
                         {"generateName", str()},
                         {"generation", int64()},
                         {"labels", map_of(str())},
                         {"managedFields", array_of(def_ref(m + "ManagedFieldsEntry"))},
                         {"name", str()},
                         {"namespace", str()},
                         {"ownerReferences", array_of(def_ref(m + "OwnerReference"))},
                         {"resourceVersion", str()},
                         {"selfLink", str()},
                         {"uid", str()}}));
  d.emplace_back(m + "ListMeta", object({{"continue", str()},
                                         {"remainingItemCount", int64()},
                                         {"resourceVersion", str()},
                                         {"selfLink", str()}}));
  d.emplace_back(c + "Secret",
                 with_gvk(object(typed_object("Secret", {{"data", map_of(typed("string", "byte"))},
                                                         {"immutable", boolean()},
                                                         {"stringData", map_of(str())},
                                                         {"type", str()}})),
                          "Secret"));
  d.emplace_back(
      c + "ConfigMap",
      with_gvk(object(typed_object("ConfigMap", {{"binaryData", map_of(typed("string", "byte"))},
                                                 {"data", map_of(str())},
                                                 {"immutable", boolean()}})),
               "ConfigMap"));
  d.emplace_back(c + "NamespaceCondition", object({{"lastTransitionTime", def_ref(m + "Time")},
                                                   {"message", str()},
                                                   {"reason", str()},
                                                   {"status", str()},
                                                   {"type", str()}},
                                                  {"type", "status"}));
  d.emplace_back(c + "NamespaceSpec", object({{"finalizers", array_of(str())}}));
  d.emplace_back(
      c + "NamespaceStatus",
      object({{"conditions", array_of(def_ref(c + "NamespaceCondition"))}, {"phase", str()}}));
  d.emplace_back(
      c + "Namespace",
      with_gvk(object(typed_object("Namespace", {{"spec", def_ref(c + "NamespaceSpec")},
                                                 {"status", def_ref(c + "NamespaceStatus")}})),
               "Namespace"));
  for (const char* kind : {"Secret", "ConfigMap", "Namespace"})
    d.emplace_back(c + kind + "List", list_of(kind));
  return d;
}

bool accepts_protobuf(std::string_view accept) {
  return accept.find("application/com.github.proto-openapi.spec.v2") != std::string_view::npos;
}

}  // namespace

std::string openapi_v2_document(const std::string& kubernetes_version) {
  openapi::v2::Document doc;
  doc.set_swagger("2.0");
  doc.mutable_info()->set_title("Kubernetes");
  doc.mutable_info()->set_version("v" + kubernetes_version);
  doc.mutable_paths();
  for (auto& [name, schema] : definitions()) {
    auto* named = doc.mutable_definitions()->add_additional_properties();
    named->set_name(name);
    *named->mutable_value() = std::move(schema);
  }
  return doc.SerializeAsString();
}

void register_openapi(core::Router& router, core::Router::GroupId group,
                      const std::string& kubernetes_version) {
  const std::string document = openapi_v2_document(kubernetes_version);
  router.add(group, core::http::verb::get, "/openapi/v2", "k8s.openapi",
             [document](core::RequestContext& ctx) -> core::Result<core::Reply> {
               if (!accepts_protobuf(ctx.request[core::http::field::accept])) {
                 // kube-apiserver also serves the JSON swagger; this one only the protobuf form.
                 return to_reply({406, "NotAcceptable",
                                  std::string("only ") + kOpenApiV2ContentType +
                                      " is served at /openapi/v2 by kmslab-apiserver",
                                  nullptr});
               }
               // The media type without the Accept header's "@", which Go's mime parser refuses.
               return core::Reply{200, document, kOpenApiV2ContentType, {}};
             });
}

}  // namespace kmslab::apiserver::k8s
