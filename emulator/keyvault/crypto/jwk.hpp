#pragma once
// JsonWebKey <-> OpenSSL keys: the public members a KeyBundle shows, and the private members
// KeyImportParameters.key carries.
#include <nlohmann/json.hpp>

#include "emulator/core/http.hpp"
#include "emulator/keyvault/crypto/curves.hpp"
#include "emulator/keyvault/crypto/openssl_util.hpp"

namespace kmslab::keyvault::crypto::jwk {

/// {"n","e"}: minimal big-endian bytes, base64url without padding.
nlohmann::json rsa_public_members(const EVP_PKEY* key);
/// {"crv","x","y"}: coordinates padded to the curve size.
nlohmann::json ec_public_members(const EVP_PKEY* key, const Curve& curve);

/// An RSA private key from n, e, d, p, q, dp, dq, qi. All eight are required: RFC 7518 §6.3.2
/// makes the CRT members mandatory once p is present, and every SDK sends them.
core::Result<ossl::PkeyPtr> rsa_from_jwk(const nlohmann::json& jwk);
/// An EC private key from crv, x, y, d; the point must be on the curve and equal d·G.
/// Coordinates shorter than the curve size are accepted (some encoders strip leading zeros).
core::Result<ossl::PkeyPtr> ec_from_jwk(const nlohmann::json& jwk);

}  // namespace kmslab::keyvault::crypto::jwk
