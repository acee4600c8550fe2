#pragma once
// Host name rules shared by certificate issuance and SNI selection.

#include <string>
#include <string_view>

namespace kmslab::core::tls {

// Case-insensitive certificate-style match. "*.vault.azure.net" matches exactly one extra
// leftmost label ("a.vault.azure.net", not "vault.azure.net" nor "a.b.vault.azure.net"); any
// other pattern must equal the host. A trailing dot on either side is ignored.
bool host_matches(std::string_view pattern, std::string_view host);

// Letters, digits, hyphens and dots only; labels 1..63 characters without a leading or trailing
// hyphen; at most 253 characters. No trailing dot and no wildcard.
bool is_valid_dns_name(std::string_view name);

// "*." followed by a valid DNS name.
bool is_valid_wildcard_name(std::string_view name);

// A literal IPv4 (dotted quad) or IPv6 address, without brackets or zone id.
bool is_ip_literal(std::string_view text);

// ASCII lower-casing; host names are compared and cached in this form.
std::string to_lower_ascii(std::string_view text);

// `name` without one trailing dot (the FQDN form "host." names the same host).
std::string_view strip_trailing_dot(std::string_view name);

}  // namespace kmslab::core::tls
