#pragma once
// Errors are values. Handlers return an ApiError made by a named factory in `errors::`; exactly
// one function (to_reply) writes it as the Azure envelope
//   {"error":{"code":"...","message":"...","innererror":{"code":"..."}}}
// Codes and messages are Azure's real ones, never C++ type names.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kmslab::core {

struct ApiError {
  unsigned status = 500;
  std::string code;
  std::string message;
  std::optional<std::string> inner_code;
  /// Extra response headers the real service sends with this error (WWW-Authenticate,
  /// Retry-After, ...).
  std::vector<std::pair<std::string, std::string>> headers;
};

namespace errors {

/// A path no route serves.
ApiError not_found(const std::string& method, const std::string& path);
/// A path that exists, with a method it does not take.
ApiError method_not_allowed(const std::string& method, const std::string& path);
/// A request body that is not valid JSON (or not the JSON the operation takes).
ApiError bad_json(const std::string& detail);
/// A request parameter with an invalid value.
ApiError bad_parameter(const std::string& message);
/// Something unexpected inside kmslab; the details go to the log, not to the client.
ApiError internal(const std::string& request_id);
/// A body larger than the server accepts.
ApiError payload_too_large(size_t limit);

}  // namespace errors

}  // namespace kmslab::core
