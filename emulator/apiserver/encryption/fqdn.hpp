#pragma once
// apimachinery's IsFullyQualifiedDomainName (KMS v2 annotation keys, kms.md §4.5), with its
// field-error texts.
#include <string>
#include <string_view>

#include "emulator/core/go_quote.hpp"

namespace kmslab::apiserver::encryption {

/// "" when `name` is a fully qualified domain name; else the field error under `path`.
std::string fqdn_error(std::string_view path, std::string_view name);

using core::go_quote;  // field errors quote values with Go's %q

}  // namespace kmslab::apiserver::encryption
