#pragma once
// ?labelSelector and ?fieldSelector, as apimachinery parses and matches them
// (pkg/labels/selector.go, pkg/fields/selector.go).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kmslab::apiserver::k8s {

struct Requirement {
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Op op = Op::kEquals;
  std::vector<std::string> values;
};

struct Selector {
  std::vector<Requirement> requirements;  // all must hold
  bool matches(const std::map<std::string, std::string>& set) const;
};

/// The selector, or the error text kube-apiserver puts in its BadRequest.
std::variant<Selector, std::string> parse_label_selector(std::string_view text);
/// Fields support =, == and != only; `supported` lists the field names the kind accepts
/// ("metadata.name", "metadata.namespace", "type" for secrets).
std::variant<Selector, std::string> parse_field_selector(std::string_view text,
                                                         const std::vector<std::string>& supported,
                                                         const std::string& kind_name);

/// The labels of an object, and its selectable fields.
std::map<std::string, std::string> labels_of(const nlohmann::json& object);
std::map<std::string, std::string> fields_of(const nlohmann::json& object);

}  // namespace kmslab::apiserver::k8s
