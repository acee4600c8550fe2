#pragma once
// The kinds this kube-apiserver serves, described once: discovery, decoding, validation and the
// server-side Table of each read from here.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/apiserver/k8s/status.hpp"

namespace kmslab::apiserver::k8s {

/// Go types of the fields a body may carry, for decode errors worded as encoding/json words
/// them ("json: cannot unmarshal string into Go struct field Secret.data of type ...").
enum class FieldType { kString, kBool, kObject, kStringMap, kBytesMap, kStringList, kAny };

struct FieldSpec {
  FieldType type;
  std::string go_type;  // "map[string][]uint8", "v1.SecretType", ...
};

struct TableColumn {
  std::string name;
  std::string type;
  std::string format;
  std::string description;
};

struct Kind {
  std::string resource;  // "secrets"
  std::string singular;  // "secret"
  std::string kind;      // "Secret"
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> verbs;
  bool read_only = false;  // pods: served from a flag, never written through the API
  std::map<std::string, FieldSpec> fields;  // top-level fields besides apiVersion/kind/metadata
  std::vector<TableColumn> columns;         // after Name, before Age
};

/// nullptr when the resource is not served.
const Kind* find_kind(std::string_view resource);
const std::vector<Kind>& served_kinds();

/// The metadata fields of ObjectMeta and their Go types.
const std::map<std::string, FieldSpec>& object_meta_fields();

/// Validation of a decoded object (ValidateSecret, ValidateConfigMap, ValidateNamespace);
/// `old` is the stored object on update (immutable rules), null on create.
std::vector<Cause> validate(const Kind& kind, const nlohmann::json& object,
                            const nlohmann::json* old);

/// The cells after Name and before Age (printers.go: Type, Data; Data; Status).
nlohmann::json table_cells(const Kind& kind, const nlohmann::json& object);

}  // namespace kmslab::apiserver::k8s

namespace kmslab::apiserver::k8s {
/// By Kind name ("Secret"); nullptr when not served.
const Kind* find_kind_by_name(std::string_view kind);
}  // namespace kmslab::apiserver::k8s
