#include "emulator/apiserver/k8s/kinds.hpp"

#include "emulator/apiserver/k8s/names.hpp"

namespace kmslab::apiserver::k8s {

using nlohmann::json;

namespace {

// The verbs discovery announces: only what this server implements.
const std::vector<std::string> kReadWrite = {"create", "delete", "get", "list", "patch", "update"};

std::vector<Kind> make_kinds() {
  Kind configmaps{"configmaps",
                  "configmap",
                  "ConfigMap",
                  true,
                  {"cm"},
                  kReadWrite,
                  false,
                  {{"data", {FieldType::kStringMap, "map[string]string"}},
                   {"binaryData", {FieldType::kBytesMap, "map[string][]uint8"}},
                   {"immutable", {FieldType::kBool, "bool"}}},
                  {{"Data", "integer", "", "Data contains the configuration data."}}};
  Kind namespaces{"namespaces",
                  "namespace",
                  "Namespace",
                  false,
                  {"ns"},
                  kReadWrite,
                  false,
                  {{"spec", {FieldType::kObject, "v1.NamespaceSpec"}},
                   {"status", {FieldType::kObject, "v1.NamespaceStatus"}}},
                  {{"Status", "string", "", "The status of the namespace"}}};
  Kind pods{
      "pods",
      "pod",
      "Pod",
      true,
      {"po"},
      {"get", "list"},
      true,
      {{"spec", {FieldType::kAny, "v1.PodSpec"}}, {"status", {FieldType::kAny, "v1.PodStatus"}}},
      {{"Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic."},
       {"Status", "string", "", "The aggregate status of the containers in this pod."},
       {"Restarts", "string", "",
        "The number of times the containers in this pod have been restarted and when the last "
        "container in this pod has restarted."}}};
  Kind secrets{"secrets",
               "secret",
               "Secret",
               true,
               {},
               kReadWrite,
               false,
               {{"data", {FieldType::kBytesMap, "map[string][]uint8"}},
                {"stringData", {FieldType::kStringMap, "map[string]string"}},
                {"type", {FieldType::kString, "v1.SecretType"}},
                {"immutable", {FieldType::kBool, "bool"}}},
               {{"Type", "string", "",
                 "Used to facilitate programmatic handling of secret data. More info: "
                 "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"},
                {"Data", "string", "", "Contains the secret data"}}};
  return {configmaps, namespaces, pods, secrets};  // discovery lists them by name
}

std::vector<Cause> invalid_value(const std::string& field, const std::string& value,
                                 const std::vector<std::string>& messages) {
  std::vector<Cause> causes;
  for (const auto& m : messages) {
    causes.push_back(
        {"FieldValueInvalid", "Invalid value: " + json(value).dump() + ": " + m, field});
  }
  return causes;
}

void append(std::vector<Cause>& to, std::vector<Cause> more) {
  to.insert(to.end(), more.begin(), more.end());
}

// ValidateSecret / ValidateConfigMap: the keys, and the 1 MiB total (core validation.go).
void validate_data_keys(const json& object, const char* member, std::vector<Cause>& causes,
                        size_t& total) {
  auto it = object.find(member);
  if (it == object.end() || !it->is_object()) return;
  for (const auto& [key, value] : it->items()) {
    append(causes,
           invalid_value(std::string(member) + "[" + key + "]", key, config_map_key_errors(key)));
    total += value.is_string() ? value.get_ref<const std::string&>().size() : 0;
  }
}

constexpr size_t kMaxSecretBytes = 1024 * 1024;

void validate_immutable(const Kind& kind, const json& object, const json* old,
                        std::vector<Cause>& causes) {
  if (!old || !old->value("immutable", false)) return;
  auto same = [&](const char* member) {
    return object.value(member, json::object()) == old->value(member, json::object());
  };
  const bool data_same = same("data") && (kind.kind == "Secret" || same("binaryData"));
  if (!data_same) {
    causes.push_back(
        {"FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set", "data"});
  }
  if (!object.value("immutable", false)) {
    causes.push_back({"FieldValueForbidden",
                      "Forbidden: field is immutable when `immutable` is set", "immutable"});
  }
}

}  // namespace

const std::vector<Kind>& served_kinds() {
  static const std::vector<Kind> kinds = make_kinds();
  return kinds;
}

const Kind* find_kind(std::string_view resource) {
  for (const auto& k : served_kinds()) {
    if (k.resource == resource) return &k;
  }
  return nullptr;
}

const std::map<std::string, FieldSpec>& object_meta_fields() {
  static const std::map<std::string, FieldSpec> fields = {
      {"name", {FieldType::kString, "string"}},
      {"generateName", {FieldType::kString, "string"}},
      {"namespace", {FieldType::kString, "string"}},
      {"selfLink", {FieldType::kString, "string"}},
      {"uid", {FieldType::kString, "types.UID"}},
      {"resourceVersion", {FieldType::kString, "string"}},
      {"generation", {FieldType::kAny, "int64"}},
      {"creationTimestamp", {FieldType::kAny, "v1.Time"}},
      {"deletionTimestamp", {FieldType::kAny, "v1.Time"}},
      {"deletionGracePeriodSeconds", {FieldType::kAny, "int64"}},
      {"labels", {FieldType::kStringMap, "map[string]string"}},
      {"annotations", {FieldType::kStringMap, "map[string]string"}},
      {"ownerReferences", {FieldType::kAny, "[]v1.OwnerReference"}},
      {"finalizers", {FieldType::kStringList, "[]string"}},
      {"managedFields", {FieldType::kAny, "[]v1.ManagedFieldsEntry"}},
  };
  return fields;
}

std::vector<Cause> validate(const Kind& kind, const json& object, const json* old) {
  std::vector<Cause> causes;
  const json meta = object.value("metadata", json::object());
  const std::string name = meta.value("name", "");
  if (name.empty()) {
    causes.push_back({"FieldValueRequired", "Required value: name or generateName is required",
                      "metadata.name"});
  } else {
    append(causes, invalid_value("metadata.name", name,
                                 kind.namespaced ? dns1123_subdomain_errors(name)
                                                 : dns1123_label_errors(name)));
  }
  size_t total = 0;
  validate_data_keys(object, "data", causes, total);
  if (kind.kind == "ConfigMap") validate_data_keys(object, "binaryData", causes, total);
  if (total > kMaxSecretBytes && kind.kind != "Namespace") {
    causes.push_back({"FieldValueTooLong",
                      "Too long: must have at most " + std::to_string(kMaxSecretBytes) + " bytes",
                      "data"});
  }
  if (kind.kind == "Secret" && old && object.value("type", "") != old->value("type", "")) {
    causes.push_back(
        {"FieldValueInvalid",
         "Invalid value: " + json(object.value("type", "")).dump() + ": field is immutable",
         "type"});
  }
  validate_immutable(kind, object, old, causes);
  return causes;
}

json table_cells(const Kind& kind, const json& object) {
  const auto count = [&](const char* member) {
    auto it = object.find(member);
    return it != object.end() && it->is_object() ? static_cast<int64_t>(it->size()) : 0;
  };
  // Stored values are decoded, not validated: a field of another type shows as empty.
  const auto text = [](const json& j, const char* member) {
    auto it = j.is_object() ? j.find(member) : j.end();
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (kind.kind == "Secret") return {text(object, "type"), count("data")};
  if (kind.kind == "ConfigMap") return {count("data") + count("binaryData")};
  if (kind.kind == "Namespace") {
    auto status = object.find("status");
    return {status != object.end() ? text(*status, "phase") : ""};
  }
  // Pods: what the AKS control plane sets for them (ready, phase, restarts).
  const json status = object.value("status", json::object());
  return {status.value("ready", "1/1"), status.value("phase", "Running"),
          status.value("restarts", int64_t{0})};
}

}  // namespace kmslab::apiserver::k8s

namespace kmslab::apiserver::k8s {
const Kind* find_kind_by_name(std::string_view kind) {
  for (const auto& k : served_kinds()) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}
}  // namespace kmslab::apiserver::k8s
