#include "emulator/apiserver/k8s/managed_fields.hpp"

namespace kmslab::apiserver::k8s {

using nlohmann::json;

namespace {

json fields_of_map(const json& value) {
  json out = json::object();
  out["."] = json::object();
  for (const auto& [key, item] : value.items()) {
    out["f:" + key] = item.is_object() && !item.empty() ? fields_of_map(item) : json::object();
  }
  return out;
}

// What the comparison of "did this update change the object" ignores: the server's bookkeeping.
json user_content(const json& object) {
  json copy = object;
  if (copy.contains("metadata") && copy["metadata"].is_object()) {
    for (const char* k : {"managedFields", "resourceVersion", "uid", "creationTimestamp",
                          "generation", "selfLink"}) {
      copy["metadata"].erase(k);
    }
  }
  copy.erase("status");
  return copy;
}

}  // namespace

json fields_v1(const json& object) {
  json out = json::object();
  for (const auto& [key, value] : object.items()) {
    if (key == "apiVersion" || key == "kind" || key == "status") continue;
    if (key == "metadata") {
      json meta = json::object();
      for (const char* m : {"labels", "annotations", "finalizers", "ownerReferences"}) {
        if (value.contains(m) && value[m].is_object())
          meta[std::string("f:") + m] = fields_of_map(value[m]);
      }
      if (!meta.empty()) out["f:metadata"] = meta;
      continue;
    }
    out["f:" + key] = value.is_object() && !value.empty() ? fields_of_map(value) : json::object();
  }
  return out;
}

void update_managed_fields(json& object, const json* old, const std::string& manager,
                           const std::string& time) {
  json& meta = object["metadata"];
  const bool sent = meta.contains("managedFields") && meta["managedFields"].is_array() &&
                    !meta["managedFields"].empty();
  json entries =
      sent ? meta["managedFields"]
           : (old ? old->value("metadata", json::object()).value("managedFields", json::array())
                  : json::array());
  if (!entries.is_array()) entries = json::array();
  if (old && user_content(object) == user_content(*old)) {
    meta["managedFields"] = entries;  // nothing changed: nobody gains a field, no time moves
    return;
  }
  json entry = {{"manager", manager},
                {"operation", "Update"},
                {"apiVersion", object.value("apiVersion", "v1")},
                {"time", time},
                {"fieldsType", "FieldsV1"},
                {"fieldsV1", fields_v1(object)}};
  bool replaced = false;
  for (auto& e : entries) {
    if (e.is_object() && e.value("manager", "") == manager &&
        e.value("operation", "") == "Update") {
      e = entry;
      replaced = true;
    }
  }
  if (!replaced) entries.push_back(entry);
  meta["managedFields"] = entries;
}

}  // namespace kmslab::apiserver::k8s
