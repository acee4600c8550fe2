#pragma once
// ECDSA sign/verify on a digest the client computed (no hashing here). Signatures travel as
// JWS-style R||S, each half padded to the curve's coordinate size; OpenSSL speaks DER.
#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/http.hpp"
#include "emulator/keyvault/crypto/curves.hpp"
#include "emulator/keyvault/crypto/openssl_util.hpp"

namespace kmslab::keyvault::crypto::ec {

core::Result<std::string> sign(EVP_PKEY* key, const Curve& curve, std::string_view digest);
/// false for a signature that does not verify, including one that is not exactly
/// 2 x coordinate size bytes (it cannot be this key's signature: no reason for a 400).
bool verify(EVP_PKEY* key, const Curve& curve, std::string_view digest, std::string_view signature);

/// DER ECDSA-Sig-Value -> R||S; nullopt if `der` is not one.
std::optional<std::string> der_to_raw(std::string_view der, size_t coordinate_bytes);
/// R||S -> DER; nullopt if `raw` is not 2 x coordinate_bytes long.
std::optional<std::string> raw_to_der(std::string_view raw, size_t coordinate_bytes);

}  // namespace kmslab::keyvault::crypto::ec
