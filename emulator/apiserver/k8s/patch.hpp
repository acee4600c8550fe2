#pragma once
// PATCH bodies: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch.
// For the kinds served here strategic merge is merge patch except ObjectMeta.finalizers
// (patchStrategy=merge: the lists are united); other strategic directives ("$patch",
// "$retainKeys", "$setElementOrder/...") are refused with a BadRequest, not guessed.
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <variant>

#include "emulator/apiserver/k8s/status.hpp"

namespace kmslab::apiserver::k8s {

enum class PatchType { kJson, kMerge, kStrategic };

/// From the Content-Type; nullopt for any other media type (415).
std::optional<PatchType> patch_type(std::string_view content_type);

std::variant<nlohmann::json, Status> apply_patch(PatchType type, const nlohmann::json& current,
                                                 const nlohmann::json& patch);

}  // namespace kmslab::apiserver::k8s
