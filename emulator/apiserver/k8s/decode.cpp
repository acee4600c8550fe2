#include "emulator/apiserver/k8s/decode.hpp"

#include "emulator/core/base64url.hpp"
#include "emulator/core/json_input.hpp"

namespace kmslab::apiserver::k8s {

using nlohmann::json;

namespace {

// encoding/json's name for a JSON value's type in "cannot unmarshal X into ...".
std::string json_type(const json& v) {
  if (v.is_string()) return "string";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "bool";
  if (v.is_array()) return "array";
  return "object";
}

bool has_type(const json& v, FieldType t) {
  if (v.is_null()) return true;  // null leaves the Go field at its zero value
  switch (t) {
    case FieldType::kString:
      return v.is_string();
    case FieldType::kBool:
      return v.is_boolean();
    case FieldType::kObject:
    case FieldType::kStringMap:
    case FieldType::kBytesMap:
      return v.is_object();
    case FieldType::kStringList:
      return v.is_array();
    case FieldType::kAny:
      return true;
  }
  return true;
}

struct Checker {
  const Kind& kind;
  FieldValidation validation;
  std::vector<std::string> unknown;

  // The first decode error, in encoding/json's words.
  std::optional<std::string> check_fields(json& object,
                                          const std::map<std::string, FieldSpec>& specs,
                                          const std::string& path) {
    for (auto it = object.begin(); it != object.end();) {
      auto spec = specs.find(it.key());
      if (spec == specs.end()) {
        unknown.push_back(path.empty() ? it.key() : path + "." + it.key());
        it = object.erase(it);
        continue;
      }
      const std::string go_field = kind.kind + "." + (path.empty() ? "" : path + ".") + it.key();
      if (!has_type(*it, spec->second.type)) {
        return "json: cannot unmarshal " + json_type(*it) + " into Go struct field " + go_field +
               " of type " + spec->second.go_type;
      }
      if (auto err = check_map_values(*it, spec->second, go_field)) return err;
      ++it;
    }
    return std::nullopt;
  }

  std::optional<std::string> check_map_values(const json& v, const FieldSpec& spec,
                                              const std::string& go_field) {
    if (spec.type == FieldType::kStringList && v.is_array()) {
      for (const auto& item : v) {
        if (!item.is_string())
          return "json: cannot unmarshal " + json_type(item) + " into Go struct field " + go_field +
                 " of type string";
      }
    }
    if ((spec.type != FieldType::kStringMap && spec.type != FieldType::kBytesMap) || !v.is_object())
      return std::nullopt;
    for (const auto& [key, item] : v.items()) {
      if (item.is_null()) continue;
      if (!item.is_string()) {
        return "json: cannot unmarshal " + json_type(item) + " into Go struct field " + go_field +
               " of type " + (spec.type == FieldType::kBytesMap ? "[]uint8" : "string");
      }
      if (spec.type == FieldType::kBytesMap) {
        if (auto err = base64_error(item.get_ref<const std::string&>())) return err;
      }
    }
    return std::nullopt;
  }
};

std::string unknown_list(const std::vector<std::string>& unknown) {
  std::string out;
  for (size_t i = 0; i < unknown.size(); ++i)
    out += (i ? ", " : "") + std::string("unknown field \"") + unknown[i] + "\"";
  return out;
}

// stringData is write-only: merged into data (its keys win), then dropped (core/v1 conversion).
void merge_string_data(json& object) {
  auto sd = object.find("stringData");
  if (sd == object.end()) return;
  if (sd->is_object()) {
    for (const auto& [key, value] : sd->items()) {
      if (value.is_string()) object["data"][key] = core::base64_encode(value.get<std::string>());
    }
  }
  object.erase("stringData");
}

}  // namespace

std::optional<FieldValidation> parse_field_validation(std::string_view value) {
  if (value.empty() || value == "Warn") return FieldValidation::kWarn;
  if (value == "Strict") return FieldValidation::kStrict;
  if (value == "Ignore") return FieldValidation::kIgnore;
  return std::nullopt;
}

std::optional<std::string> base64_error(std::string_view text) {
  auto alphabet = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
  };
  size_t i = 0;
  while (i < text.size() && alphabet(text[i])) ++i;
  size_t data_end = i;
  while (i < text.size() && text[i] == '=' && i - data_end < 2) ++i;
  const size_t pads = i - data_end;
  auto illegal = [](size_t at) {
    return "illegal base64 data at input byte " + std::to_string(at);
  };
  if (i < text.size()) return illegal(pads > 0 ? data_end : i);
  if (text.size() % 4 != 0) return illegal(text.size() - text.size() % 4);
  if (pads > 0 && (data_end % 4) + pads != 4) return illegal(data_end);
  return std::nullopt;
}

std::variant<DecodedBody, Status> decode_body(const Kind& kind, std::string_view body,
                                              FieldValidation validation) {
  json object = core::parse_untrusted_json(body);
  std::string summary(body.substr(0, 30));
  if (body.size() > 30) summary += " ...";
  if (object.is_discarded() || !object.is_object()) {
    const std::string why =
        object.is_discarded()
            ? "couldn't get version/kind; json parse error: the body is not valid JSON"
            : "couldn't get version/kind; json parse error: json: cannot unmarshal " +
                  json_type(object) +
                  " into Go value of type struct { APIVersion string "
                  "\"json:\\\"apiVersion,omitempty\\\"\"; Kind string "
                  "\"json:\\\"kind,omitempty\\\"\" }";
    return bad_request("the object provided is unrecognized (must be of type " + kind.kind +
                       "): " + why + " (" + summary + ")");
  }
  const std::string api_version = object.contains("apiVersion") && object["apiVersion"].is_string()
                                      ? object["apiVersion"].get<std::string>()
                                      : "v1";
  const std::string body_kind = object.contains("kind") && object["kind"].is_string()
                                    ? object["kind"].get<std::string>()
                                    : kind.kind;
  const std::string version = api_version.empty() ? "v1" : api_version;
  const auto cannot_handle = [&](const std::string& why) {
    return bad_request(body_kind + " in version \"" + version + "\" cannot be handled as a " +
                       kind.kind + ": " + why);
  };
  if (version != "v1") {
    // The core group has only v1 (runtime.Scheme's "no kind registered" text).
    return cannot_handle("no kind \"" + body_kind + "\" is registered for version \"" + version +
                         "\" in scheme \"pkg/api/legacyscheme/scheme.go:30\"");
  }
  if (body_kind != kind.kind) {
    if (!find_kind_by_name(body_kind)) {
      return cannot_handle(
          "no kind \"" + body_kind +
          "\" is registered for version \"v1\" in scheme \"pkg/api/legacyscheme/scheme.go:30\"");
    }
    // Unverified wording: the conversion error the scheme gives for a decodable but different kind.
    return cannot_handle("converting (v1." + body_kind + ") to (core." + kind.kind +
                         "): unknown conversion");
  }
  object.erase("apiVersion");
  object.erase("kind");
  json metadata = object.contains("metadata") ? object["metadata"] : json::object();
  object.erase("metadata");
  Checker checker{kind, validation, {}};
  if (!metadata.is_object() && !metadata.is_null()) {
    return cannot_handle("json: cannot unmarshal " + json_type(metadata) +
                         " into Go struct field " + kind.kind + ".metadata of type v1.ObjectMeta");
  }
  if (metadata.is_null()) metadata = json::object();
  if (auto err = checker.check_fields(object, kind.fields, "")) return cannot_handle(*err);
  if (auto err = checker.check_fields(metadata, object_meta_fields(), "metadata"))
    return cannot_handle(*err);
  DecodedBody out;
  if (!checker.unknown.empty()) {
    if (validation == FieldValidation::kStrict) {
      return cannot_handle("strict decoding error: " + unknown_list(checker.unknown));
    }
    if (validation == FieldValidation::kWarn) {
      for (const auto& f : checker.unknown) out.warnings.push_back("unknown field \"" + f + "\"");
    }
  }
  if (kind.kind == "Secret") merge_string_data(object);
  object["apiVersion"] = "v1";
  object["kind"] = kind.kind;
  object["metadata"] = std::move(metadata);
  out.object = std::move(object);
  return out;
}

}  // namespace kmslab::apiserver::k8s
