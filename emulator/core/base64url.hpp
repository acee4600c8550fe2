#pragma once
// base64url (RFC 4648 §5) as Azure writes it: no padding on output; input with or without
// padding. Shared by Key Vault (keys, ciphertexts, signatures), JWTs and the KMS plugin.
#include <optional>
#include <string>
#include <string_view>

namespace kmslab::core {

std::string base64url_encode(std::string_view bytes);
/// nullopt for characters outside the alphabet, a wrong length, or padding in the middle.
std::optional<std::string> base64url_decode(std::string_view text);
/// Standard base64 (with padding), for the few places Azure uses it.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace kmslab::core
