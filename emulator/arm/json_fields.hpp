#pragma once
// Typed reads of request-body fields. ARM treats null as absent; a value of the wrong type is
// the client's error (InvalidRequestContent naming the JSON path), never an exception.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/api_error.hpp"

namespace kmslab::arm {

class FieldReader {
 public:
  /// `obj` must outlive the reader; a non-object `obj` reads as empty (and records an error).
  FieldReader(const nlohmann::json& obj, std::string path);
  /// An absent (nullptr) object reads as empty, without error.
  FieldReader(const nlohmann::json* obj, std::string path);

  std::optional<std::string> str(const char* key);
  std::optional<bool> boolean(const char* key);
  std::optional<int64_t> integer(const char* key);
  /// nullptr when absent or null.
  const nlohmann::json* object(const char* key);
  const nlohmann::json* array(const char* key);
  std::optional<std::vector<std::string>> strings(const char* key);

  /// The first type error met, if any.
  const std::optional<core::ApiError>& error() const { return error_; }

 private:
  const nlohmann::json* get(const char* key);
  void fail(const char* key, const char* expected);

  const nlohmann::json* obj_;
  std::string path_;
  std::optional<core::ApiError> error_;
};

}  // namespace kmslab::arm
