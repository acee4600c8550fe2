// libFuzzer target: PATCH bodies of the simulated kube-apiserver (emulator/apiserver/k8s/patch):
// JSON patch, merge patch and strategic merge patch applied to a stored Secret, ConfigMap or
// Namespace, then decoded as the PATCH handler decodes the result. The first byte picks the
// patch type, the object and the field validation mode; the rest is the body as it arrives.
// Every body gives an object or a Status, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emulator/apiserver/k8s/decode.hpp"
#include "emulator/apiserver/k8s/kinds.hpp"
#include "emulator/apiserver/k8s/patch.hpp"
#include "emulator/core/json_input.hpp"

namespace k8s = kmslab::apiserver::k8s;
using nlohmann::json;

namespace {

// Objects as storage hands them to the handler (finalizers, labels, data to patch into).
const json& stored(size_t i) {
  static const json objects[] = {
      json::parse(R"({"apiVersion":"v1","kind":"Secret","type":"Opaque",
        "metadata":{"name":"s1","namespace":"default","resourceVersion":"7","uid":"u1",
          "labels":{"app":"a"},"finalizers":["example.com/f"]},
        "data":{"a":"YQ=="}})"),
      json::parse(R"({"apiVersion":"v1","kind":"ConfigMap",
        "metadata":{"name":"c1","namespace":"default","resourceVersion":"8",
          "annotations":{"k":"v"}},"data":{"x":"1"}})"),
      json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"},
        "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}})"),
  };
  return objects[i % 3];
}

const k8s::Kind& kind_of(const json& object) {
  for (const auto& k : k8s::served_kinds()) {
    if (k.kind == object["kind"]) return k;
  }
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t pick = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  static constexpr const char* kTypes[] = {"application/json-patch+json",
                                           "application/merge-patch+json",
                                           "application/strategic-merge-patch+json"};
  const auto type = k8s::patch_type(kTypes[pick % 3]);
  if (!type) __builtin_trap();
  const json patch = kmslab::core::parse_untrusted_json(body);
  if (patch.is_discarded()) return 0;
  const json& current = stored(pick / 3);
  auto patched = k8s::apply_patch(*type, current, patch);
  if (auto* object = std::get_if<json>(&patched)) {
    const auto mode = static_cast<k8s::FieldValidation>((pick / 9) % 3);
    (void)k8s::decode_body(kind_of(current), object->dump(), mode);
  }
  return 0;
}
