#pragma once
// Kubernetes errors as values: a Status (meta/v1) with kube-apiserver's reasons and messages
// (k8s.io/apimachinery/pkg/api/errors). Made by the factories below, written in exactly one
// place (to_reply). The pipeline's own errors (no route, a refused body) become a Status in
// status_from_api_error, the Dispatcher's ErrorWriter for this surface.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "emulator/core/http.hpp"

namespace kmslab::apiserver::k8s {

struct Cause {
  std::string reason;  // "FieldValueInvalid", "FieldValueRequired", ...
  std::string message;
  std::string field;
};

struct Status {
  unsigned code = 500;
  std::string reason;  // StatusReason; empty for a plain 500 from a handler panic
  std::string message;
  nlohmann::ordered_json details;  // object or null
};

core::Reply to_reply(const Status& status);
/// The Status object itself (an ERROR watch event carries it).
nlohmann::ordered_json status_body(const Status& status);
/// Success Status for a DELETE of kinds that do not return the deleted object.
core::Reply success_status(const std::string& resource, const std::string& name,
                           const std::string& uid);

/// `secrets "s1" not found`
Status not_found(const std::string& resource, const std::string& name);
/// `secrets "s1" already exists`
Status already_exists(const std::string& resource, const std::string& name);
/// `Operation cannot be fulfilled on secrets "s1": the object has been modified; ...`
Status conflict(const std::string& resource, const std::string& name);
/// `Operation cannot be fulfilled on secrets "s1": <detail>`
Status conflict(const std::string& resource, const std::string& name, const std::string& detail);
/// `Secret "Bad" is invalid: <field>: <message>` (422, one cause per error).
Status invalid(const std::string& kind, const std::string& name, const std::vector<Cause>& causes);
Status bad_request(const std::string& message);
/// `Internal error occurred: <message>` (storage.NewInternalError).
Status internal_error(const std::string& message);
/// `namespaces "default" is forbidden: <message>`
Status forbidden(const std::string& resource, const std::string& name, const std::string& message);
Status unauthorized();
Status method_not_supported(const std::string& resource, const std::string& verb);
/// The 404 of an API path nothing serves.
Status resource_not_served();

core::Reply status_from_api_error(const core::ApiError& error);

}  // namespace kmslab::apiserver::k8s
