#pragma once
// Request bodies in application/vnd.kubernetes.protobuf (what typed clients such as
// `kubectl create secret` send): "k8s\0" + runtime.Unknown{typeMeta, raw}, raw being the
// object's protobuf. Turned into the JSON decode_body judges, so both encodings meet one set of
// rules.
#include <string>
#include <string_view>
#include <variant>

#include "emulator/apiserver/k8s/kinds.hpp"
#include "emulator/apiserver/k8s/status.hpp"

namespace kmslab::apiserver::k8s {

inline constexpr std::string_view kProtobufMediaType = "application/vnd.kubernetes.protobuf";

/// The body as JSON text, or the BadRequest kube-apiserver gives for an undecodable body.
std::variant<std::string, Status> protobuf_body_to_json(const Kind& kind, std::string_view body);

}  // namespace kmslab::apiserver::k8s
