#pragma once
// The api-versions ARM accepts per resource type: those az CLI 2.45 and the Python mgmt SDKs
// send, and the published ones of each provider's REST spec. ARM's own endpoints answer an
// unknown version with InvalidApiVersionParameter, resource providers with
// NoRegisteredProviderFound.
#include <optional>
#include <string>
#include <vector>

#include "emulator/arm/service.hpp"
#include "emulator/core/api_error.hpp"

namespace kmslab::arm {

const std::vector<std::string>& supported_api_versions(Api api);

/// nullopt when `version` (as sent) is accepted for `api`.
std::optional<core::ApiError> check_api_version(Api api, const std::optional<std::string>& version,
                                                const std::string& location);

}  // namespace kmslab::arm
