#pragma once
// apimachinery's IsFullyQualifiedDomainName (KMS v2 annotation keys, kms.md §4.5), with its
// field-error texts.
#include <string>
#include <string_view>

namespace kmslab::apiserver::encryption {

/// "" when `name` is a fully qualified domain name; else the field error under `path`.
std::string fqdn_error(std::string_view path, std::string_view name);

/// Go's %q of a string (printable ASCII kept, others escaped), as field errors quote values.
std::string go_quote(std::string_view s);

}  // namespace kmslab::apiserver::encryption
