#include "emulator/apiserver/k8s/patch.hpp"

#include <algorithm>

namespace kmslab::apiserver::k8s {

using nlohmann::json;

std::optional<PatchType> patch_type(std::string_view content_type) {
  const std::string_view media = content_type.substr(0, content_type.find(';'));
  if (media == "application/json-patch+json") return PatchType::kJson;
  if (media == "application/merge-patch+json") return PatchType::kMerge;
  if (media == "application/strategic-merge-patch+json") return PatchType::kStrategic;
  return std::nullopt;
}

namespace {

std::optional<std::string> directive_in(const json& patch) {
  if (!patch.is_object()) return std::nullopt;
  for (const auto& [key, value] : patch.items()) {
    if (key.starts_with("$")) return key;
    if (auto inner = directive_in(value)) return inner;
  }
  return std::nullopt;
}

// kube-apiserver's bounds on a JSON patch, without which a short body of "copy" operations
// doubles the object at each one: at most 10000 operations ([AS] endpoints/handlers/patch.go
// maxJSONPatchOperations) and 3 MiB copied in all (server/config.go JSONPatchMaxCopyBytes, which
// evanphx/json-patch v4 enforces as AccumulatedCopySizeLimit, counting each copied value's JSON).
constexpr size_t kMaxJsonPatchOperations = 10000;
constexpr size_t kMaxJsonPatchCopyBytes = 3 * 1024 * 1024;

// An operation that does not apply is NewGenericServerResponse(422, ...) in patch.go
// applyJSPatch, without the cause: jsonpatch's own words do not reach the client.
Status json_patch_failed() {
  return {422, "Invalid", "the server rejected our request due to an error in our request",
          nlohmann::ordered_json::object()};
}

std::variant<json, Status> apply_json_patch(const json& current, const json& patch) {
  if (!patch.is_array())
    return bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  if (patch.size() > kMaxJsonPatchOperations) {
    return Status{413, "RequestEntityTooLarge",
                  "Request entity too large: The allowed maximum operations in a JSON patch is " +
                      std::to_string(kMaxJsonPatchOperations) + ", got " +
                      std::to_string(patch.size()),
                  nullptr};
  }
  json out = current;
  size_t copied = 0;
  try {
    for (const auto& op : patch) {
      if (op.is_object() && op.value("op", json()) == "copy" && op.contains("from") &&
          op["from"].is_string()) {
        copied += out.at(json::json_pointer(op["from"].get<std::string>())).dump().size();
        if (copied > kMaxJsonPatchCopyBytes) return json_patch_failed();
      }
      out.patch_inplace(json::array({op}));
    }
  } catch (const json::exception&) {
    return json_patch_failed();
  }
  return out;
}

}  // namespace

std::variant<json, Status> apply_patch(PatchType type, const json& current, const json& patch) {
  if (type == PatchType::kJson) return apply_json_patch(current, patch);
  if (!patch.is_object())
    return bad_request("json: cannot unmarshal " + std::string(patch.type_name()) +
                       " into Go value of type map[string]interface {}");
  if (type == PatchType::kStrategic) {
    if (auto d = directive_in(patch)) {
      return bad_request("strategic merge patch directive " + *d +
                         " is not supported by kmslab-apiserver");
    }
  }
  json out = current;
  out.merge_patch(patch);
  if (type == PatchType::kStrategic && patch.contains("metadata") &&
      patch["metadata"].is_object() && patch["metadata"].contains("finalizers") &&
      patch["metadata"]["finalizers"].is_array()) {
    json united = current.value("metadata", json::object()).value("finalizers", json::array());
    for (const auto& f : patch["metadata"]["finalizers"]) {
      if (std::find(united.begin(), united.end(), f) == united.end()) united.push_back(f);
    }
    out["metadata"]["finalizers"] = united;
  }
  return out;
}

}  // namespace kmslab::apiserver::k8s
