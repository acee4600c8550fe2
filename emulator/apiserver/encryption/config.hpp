#pragma once
// EncryptionConfiguration (apiserver.config.k8s.io/v1), decoded strictly from YAML or JSON with
// yaml-cpp, defaulted and validated as kube-apiserver does ([AS] pkg/apis/apiserver/v1
// types_encryption.go, defaults.go, validation/validation_encryption.go; kms.md §5.1). Errors
// carry kube-apiserver's texts: field paths, "Required value"/"Invalid value", Go's
// aggregate "[a, b]", and the "error while parsing file: " wrap of LoadEncryptionConfig.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/clock.hpp"

namespace kmslab::apiserver::encryption {

struct KeyConfig {
  std::string name, secret;
};

struct KmsConfig {
  std::string api_version;  // defaulted to "v1"
  std::string name, endpoint;
  std::optional<int32_t> cache_size;  // defaulted to 1000 for v1 only
  core::Duration timeout = std::chrono::seconds(3);
};

/// One element of `providers`: exactly one of these should be set (validation says so).
struct ProviderConfig {
  std::optional<KmsConfig> kms;
  std::optional<std::vector<KeyConfig>> aesgcm, aescbc, secretbox;
  bool identity = false;
};

struct ResourceConfig {
  std::vector<std::string> resources;
  std::vector<ProviderConfig> providers;
};

struct EncryptionConfiguration {
  std::vector<ResourceConfig> resources;
};

/// Decodes and defaults (no validation). Throws ConfigError: "error decoding encryption provider
/// configuration file \"<path>\": ...".
EncryptionConfiguration decode_encryption_configuration(std::string_view text,
                                                        const std::string& path);
/// Field errors, in kube-apiserver's order and text; empty when valid.
std::vector<std::string> validate_encryption_configuration(const EncryptionConfiguration& c,
                                                           bool reload);

struct LoadedConfiguration {
  EncryptionConfiguration config;
  std::string content_hash;  // "sha256:<hex>" of the file's bytes
};
/// Reads, decodes, defaults and validates a file. Throws ConfigError with the text
/// kube-apiserver gives ("error while parsing file: ...").
LoadedConfiguration load_encryption_configuration(const std::string& path, bool reload);
/// "sha256:<hex>" of a file's bytes; throws ConfigError when unreadable or empty.
std::string encryption_config_hash(const std::string& path);

/// Go's time.Duration String(): "3s", "1m30s", "500ms", "0s".
std::string go_duration_string(core::Duration d);

struct GroupResource {
  std::string resource, group;
  bool operator==(const GroupResource&) const = default;
  auto operator<=>(const GroupResource&) const = default;
};
/// schema.ParseGroupResource: "secrets" -> {secrets, ""}, "deployments.apps" -> {deployments,
/// apps}, "*." -> {*, ""}, "*.*" -> {*, *}.
GroupResource parse_group_resource(std::string_view s);
/// How the config file spells a rule: "*." for every core resource, else resource[.group].
std::string yaml_string(const GroupResource& gr);

}  // namespace kmslab::apiserver::encryption
