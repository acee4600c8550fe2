#include "emulator/apiserver/k8s/status.hpp"

namespace kmslab::apiserver::k8s {

using nlohmann::json;
using nlohmann::ordered_json;

core::Reply to_reply(const Status& status) {
  return core::Reply::ordered(status_body(status), status.code);
}

ordered_json status_body(const Status& status) {
  // Field order as kube-apiserver's encoder writes metav1.Status.
  ordered_json body = {{"kind", "Status"},
                       {"apiVersion", "v1"},
                       {"metadata", json::object()},
                       {"status", "Failure"},
                       {"message", status.message}};
  if (!status.reason.empty()) body["reason"] = status.reason;
  // A non-nil StatusDetails is written even when every field is empty ("details":{}); kubectl
  // words an Invalid error differently with and without it.
  if (status.details.is_object()) body["details"] = status.details;
  body["code"] = status.code;
  return body;
}

core::Reply success_status(const std::string& resource, const std::string& name,
                           const std::string& uid) {
  const ordered_json body = {{"kind", "Status"},
                             {"apiVersion", "v1"},
                             {"metadata", json::object()},
                             {"status", "Success"},
                             {"details", {{"name", name}, {"kind", resource}, {"uid", uid}}}};
  return core::Reply::ordered(body, 200);
}

namespace {

ordered_json details(const std::string& resource, const std::string& name) {
  return ordered_json{{"name", name}, {"kind", resource}};
}

}  // namespace

Status not_found(const std::string& resource, const std::string& name) {
  return {404, "NotFound", resource + " \"" + name + "\" not found", details(resource, name)};
}

Status already_exists(const std::string& resource, const std::string& name) {
  return {409, "AlreadyExists", resource + " \"" + name + "\" already exists",
          details(resource, name)};
}

Status conflict(const std::string& resource, const std::string& name, const std::string& detail) {
  return {409, "Conflict",
          "Operation cannot be fulfilled on " + resource + " \"" + name + "\": " + detail,
          details(resource, name)};
}

Status conflict(const std::string& resource, const std::string& name) {
  return conflict(resource, name,
                  "the object has been modified; please apply your changes to the latest version "
                  "and try again");
}

Status invalid(const std::string& kind, const std::string& name, const std::vector<Cause>& causes) {
  std::string message = kind + " \"" + name + "\" is invalid: ";
  ordered_json list = ordered_json::array();
  // ErrorList.ToAggregate(): one error alone, several as "[a, b]".
  if (causes.size() > 1) message += "[";
  for (size_t i = 0; i < causes.size(); ++i) {
    message += (i ? ", " : "") + causes[i].field + ": " + causes[i].message;
    list.push_back(ordered_json{
        {"reason", causes[i].reason}, {"message", causes[i].message}, {"field", causes[i].field}});
  }
  if (causes.size() > 1) message += "]";
  return {422, "Invalid", message, ordered_json{{"name", name}, {"kind", kind}, {"causes", list}}};
}

Status bad_request(const std::string& message) {
  return {400, "BadRequest", message, nullptr};
}

Status internal_error(const std::string& message) {
  return {500, "InternalError", "Internal error occurred: " + message,
          ordered_json{{"causes", ordered_json::array({ordered_json{{"message", message}}})}}};
}

Status forbidden(const std::string& resource, const std::string& name, const std::string& message) {
  return {403, "Forbidden", resource + " \"" + name + "\" is forbidden: " + message,
          details(resource, name)};
}

Status unauthorized() {
  return {401, "Unauthorized", "Unauthorized", nullptr};
}

Status method_not_supported(const std::string& resource, const std::string& verb) {
  return {405, "MethodNotAllowed",
          verb + " is not supported on resources of kind \"" + resource + "\"",
          ordered_json{{"kind", resource}}};
}

Status resource_not_served() {
  return {404, "NotFound", "the server could not find the requested resource",
          ordered_json::object()};
}

core::Reply status_from_api_error(const core::ApiError& error) {
  switch (error.status) {
    case 404:
      return to_reply(resource_not_served());
    case 405:
      return to_reply({405, "MethodNotAllowed",
                       "the server does not allow this method on the requested resource", nullptr});
    case 401:
      return to_reply(unauthorized());
    case 413:
      return to_reply(
          {413, "RequestEntityTooLarge", "Request entity too large: " + error.message, nullptr});
    case 500:
      return to_reply({500, "InternalError", "Internal error occurred: " + error.message, nullptr});
    default:
      return to_reply(
          {error.status, error.status == 400 ? "BadRequest" : error.code, error.message, nullptr});
  }
}

}  // namespace kmslab::apiserver::k8s
