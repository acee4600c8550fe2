#pragma once
// The errors Key Vault answers for key creation, import and cryptographic operations.
// Marked [V] when the message is a captured real response (see shared/reference/keyvault.md),
// [R] when reported by one third party, [U] when modelled on the verified patterns.
#include <cstddef>
#include <string>
#include <string_view>

#include "emulator/core/api_error.hpp"

namespace kmslab::keyvault::crypto::errors {

/// [V] oct / oct-HSM on a vault: 400 BadParameter "Invalid kty value: oct" (KeyTypeNotSupported).
core::ApiError key_type_not_supported(std::string_view kty);
/// [U] a kty outside the enum: same message, no inner code.
core::ApiError invalid_kty(std::string_view kty);
/// [R] RSA-HSM / EC-HSM on a standard-SKU vault. The message is the one az CLI and Terraform
/// users report; the status is 403 Forbidden (a PowerShell report of the same request says
/// "Forbidden"), the inner code is unknown and left out.
core::ApiError hsm_requires_premium();
/// [U] modelled on the real certificate-policy message "Unsupported key size (4096). Supported
/// sizes are [256, 384, 521]".
core::ApiError unsupported_key_size(int64_t size);
/// [U] a vault creates RSA keys with e = 65537 only (the SDKs document public_exponent as a
/// Managed HSM option).
core::ApiError unsupported_public_exponent(int64_t exponent);
/// [U] "Invalid crv value: P-192", after the kty message.
core::ApiError invalid_curve(std::string_view crv);
/// [U] an alg outside the API's values for this operation: "Invalid alg value: FOO".
core::ApiError invalid_algorithm(std::string_view alg);
/// [U] an alg of the wrong key family, worded after the real curve mismatch message:
/// "Key and signing algorithm are incompatible. Key uses key type 'EC', and algorithm 'RS256'
/// can only be used with key type 'RSA'." (`operation` is "signing" or "encryption").
core::ApiError incompatible_key_type(std::string_view operation, std::string_view kty,
                                     std::string_view alg, std::string_view required_kty);
/// [V] "Key and signing algorithm are incompatible. Key <kid> uses curve 'P-256', and algorithm
/// 'ES384' can only be used with curve 'P-384'." The kid is added by with_key_id().
core::ApiError incompatible_curve(std::string_view crv, std::string_view alg,
                                  std::string_view required_crv);
/// [V] "Invalid length of 'value': 44 bytes. ES256 requires 32 bytes, encoded with base64url."
/// (used for every fixed length: digests, and RSA ciphertexts which must be the modulus size).
core::ApiError invalid_length(std::string_view field, size_t actual, std::string_view alg,
                              size_t required);
/// [U] the same pattern for inputs with a maximum: "Invalid length of 'value': 191 bytes.
/// RSA-OAEP-256 with a 2048-bit key allows at most 190 bytes, encoded with base64url."
core::ApiError value_too_long(std::string_view field, size_t actual, std::string_view alg,
                              int key_bits, size_t maximum);
/// [R] decrypt/unwrapKey of a ciphertext whose padding does not check:
/// "Error occurred while decoding OAEP padding." (RSA1_5: "... PKCS1 padding." [U]).
core::ApiError padding_check_failed(std::string_view padding);
/// [V pattern] "Property 'n' is required.\r\n" for a missing JsonWebKey member on import.
core::ApiError jwk_member_required(std::string_view member);
/// [V pattern] "Content of 'n' is not base64url.\r\n".
core::ApiError jwk_member_not_base64url(std::string_view member);
/// [U] a JsonWebKey whose members do not form a valid key (wrong sizes, point not on curve).
core::ApiError jwk_invalid(std::string_view detail);
/// [U] private and public members of an imported JsonWebKey do not belong together.
core::ApiError jwk_key_mismatch();
/// [U] BYOK (key_hsm) transfer blobs: kmslab has no HSM to unwrap them into.
core::ApiError byok_not_supported();

/// Puts the key identifier into the messages that name the key ("Key and ... algorithm are
/// incompatible. Key <kid> uses ..."); KeyMaterial does not know its kid, the handler does.
core::ApiError with_key_id(core::ApiError error, std::string_view kid);

}  // namespace kmslab::keyvault::crypto::errors
