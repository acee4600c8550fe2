#pragma once
// GET /_kmslab/storage/providers (behind the API's bearer token): per resource, how many stored
// values carry each transformer prefix, read from the stored bytes. What `etcdctl get --prefix
// /registry/secrets | grep -c k8s:enc:kms:v2:NAME:` would tell an operator checking that a
// migration is done before dropping a provider (aks.md §4, I8); the AKS supervisor asks it.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/apiserver/storage/object_storage.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::apiserver::k8s {

/// The prefix a stored value carries: "k8s:enc:<type>:<version>:<name>:" (kms v1/v2 name the
/// provider, aescbc/aesgcm/secretbox the key), "identity" for a value no provider wrote, and
/// "k8s:enc:unknown" for an "k8s:enc:" value without the five fields in its first 256 bytes.
std::string stored_prefix(std::string_view value);

/// {"kind":"StorageProviders","resources":{"secrets":{"<prefix>":count,...},...},
///  "scanned":N,"complete":bool}: every resource of `resources`; at most `max_values` values are
/// read in all (complete false when that cut the scan short). Throws store::StoreError.
nlohmann::json storage_providers(storage::ObjectStorage& storage,
                                 const std::vector<std::string>& resources, size_t max_values);

void register_storage_providers(core::Router& router, core::Router::GroupId group,
                                storage::ObjectStorage& storage);

}  // namespace kmslab::apiserver::k8s
