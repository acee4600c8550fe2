#include "emulator/core/api_error.hpp"

namespace kmslab::core::errors {

ApiError not_found(const std::string& method, const std::string& path) {
  return {404,
          "NotFound",
          "The requested resource " + method + " " + path + " was not found.",
          std::nullopt,
          {}};
}

ApiError method_not_allowed(const std::string& method, const std::string& path) {
  return {405,
          "MethodNotAllowed",
          "The requested resource " + path + " does not support http method '" + method + "'.",
          std::nullopt,
          {}};
}

ApiError bad_json(const std::string& detail) {
  return {400, "BadParameter", "The request body is not valid JSON: " + detail, std::nullopt, {}};
}

ApiError bad_parameter(const std::string& message) {
  return {400, "BadParameter", message, std::nullopt, {}};
}

ApiError internal(const std::string& request_id) {
  return {500,
          "InternalServerError",
          "The server encountered an internal error. Please retry the request. Request id: " +
              request_id,
          std::nullopt,
          {}};
}

ApiError payload_too_large(size_t limit) {
  return {413,
          "RequestEntityTooLarge",
          "The request body is larger than the " + std::to_string(limit) +
              " bytes this server accepts.",
          std::nullopt,
          {}};
}

}  // namespace kmslab::core::errors

#include "emulator/core/http.hpp"

namespace kmslab::core {

Reply to_reply(const ApiError& error) {
  // Ordered as Azure writes it: code, message, innererror.
  nlohmann::ordered_json inner = {{"code", error.code}, {"message", error.message}};
  if (error.inner_code) inner["innererror"] = {{"code", *error.inner_code}};
  const nlohmann::ordered_json envelope = {{"error", std::move(inner)}};
  Reply reply{error.status,
              envelope.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
              "application/json; charset=utf-8",
              {}};
  reply.headers = error.headers;
  return reply;
}

}  // namespace kmslab::core
