#pragma once
// Whether a cluster's stored data still needs a KMS provider (I8, aks.md §4): the cluster's
// kmslab-apiserver counts the prefixes of its stored values (GET /_kmslab/storage/providers,
// emulator/apiserver/k8s/storage_providers.hpp); a provider is in use while any value carries
// its kms v1 or v2 prefix.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kmslab::aks {

/// The path the apiserver answers the census on (behind its bearer token).
inline constexpr const char* kStorageProvidersPath = "/_kmslab/storage/providers";

/// From the census document: true when a value carries "k8s:enc:kms:v2:NAME:" or
/// "k8s:enc:kms:v1:NAME:"; false when none does and the census is complete; nullopt when it is
/// not a census or, incomplete, does not show the provider (unknown, so no one waits on it).
std::optional<bool> census_says_in_use(const nlohmann::json& census, const std::string& provider);

}  // namespace kmslab::aks
