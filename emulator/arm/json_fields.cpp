#include "emulator/arm/json_fields.hpp"

#include "emulator/arm/errors.hpp"

namespace kmslab::arm {

FieldReader::FieldReader(const nlohmann::json* obj, std::string path)
    : obj_(obj && obj->is_object() ? obj : nullptr), path_(std::move(path)) {}

FieldReader::FieldReader(const nlohmann::json& obj, std::string path)
    : obj_(&obj), path_(std::move(path)) {
  if (!obj_->is_object()) {
    error_ = errors::invalid_request_content("Error converting value at path '" + path_ +
                                             "': an object was expected.");
  }
}

const nlohmann::json* FieldReader::get(const char* key) {
  if (!obj_ || !obj_->is_object()) return nullptr;
  auto it = obj_->find(key);
  if (it == obj_->end() || it->is_null()) return nullptr;
  return &*it;
}

void FieldReader::fail(const char* key, const char* expected) {
  if (error_) return;
  const std::string where = path_.empty() ? key : path_ + "." + key;
  error_ = errors::invalid_request_content("Error converting value at path '" + where +
                                           "': " + expected + " was expected.");
}

std::optional<std::string> FieldReader::str(const char* key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) return fail(key, "a string"), std::nullopt;
  return v->get<std::string>();
}

std::optional<bool> FieldReader::boolean(const char* key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) return fail(key, "a boolean"), std::nullopt;
  return v->get<bool>();
}

std::optional<int64_t> FieldReader::integer(const char* key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) return fail(key, "an integer"), std::nullopt;
  return v->get<int64_t>();
}

const nlohmann::json* FieldReader::object(const char* key) {
  const auto* v = get(key);
  if (v && !v->is_object()) return fail(key, "an object"), nullptr;
  return v;
}

const nlohmann::json* FieldReader::array(const char* key) {
  const auto* v = get(key);
  if (v && !v->is_array()) return fail(key, "an array"), nullptr;
  return v;
}

std::optional<std::vector<std::string>> FieldReader::strings(const char* key) {
  const auto* v = array(key);
  if (!v) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string()) return fail(key, "an array of strings"), std::nullopt;
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace kmslab::arm
