#pragma once
// Name and key validation with apimachinery's messages (pkg/util/validation/validation.go):
// each function returns the messages a value fails, empty when it is valid.
#include <string>
#include <string_view>
#include <vector>

namespace kmslab::apiserver::k8s {

/// IsDNS1123Subdomain: Secret and ConfigMap names.
std::vector<std::string> dns1123_subdomain_errors(std::string_view value);
/// IsDNS1123Label: Namespace names.
std::vector<std::string> dns1123_label_errors(std::string_view value);
/// IsConfigMapKey: keys of Secret and ConfigMap data.
std::vector<std::string> config_map_key_errors(std::string_view value);

}  // namespace kmslab::apiserver::k8s
