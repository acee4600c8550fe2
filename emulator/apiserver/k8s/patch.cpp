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

}  // namespace

std::variant<json, Status> apply_patch(PatchType type, const json& current, const json& patch) {
  if (type == PatchType::kJson) {
    if (!patch.is_array())
      return bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    try {
      return current.patch(patch);
    } catch (const json::exception& e) {
      return bad_request(
          std::string("the server rejected our request due to an error in our request: ") +
          e.what());
    }
  }
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
