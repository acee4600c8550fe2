#pragma once
// GET /openapi/v2: the swagger document of every served kind as gnostic's protobuf
// (openapi.v2.Document), the only form kubectl accepts (reference kubectl.md). Definitions follow
// kube-apiserver's names (io.k8s.api.core.v1.Secret, io.k8s.apimachinery.pkg.apis.meta.v1.*) and
// list every field real objects carry (metadata and managedFields included), so kubectl's
// client-side validation passes and fails as it does against kube-apiserver.
#include <string>

#include "emulator/core/router.hpp"

namespace kmslab::apiserver::k8s {

/// The serialized document for a server of `kubernetes_version`.
std::string openapi_v2_document(const std::string& kubernetes_version);

inline constexpr const char* kOpenApiV2ContentType =
    "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

void register_openapi(core::Router& router, core::Router::GroupId group,
                      const std::string& kubernetes_version);

}  // namespace kmslab::apiserver::k8s
