#pragma once
// RSA encrypt/decrypt (RSA1_5, RSA-OAEP, RSA-OAEP-256) and sign/verify (RS*, PS*, RSNULL).
// Callers have already matched the algorithm to an RSA key and checked digest lengths.
#include <string>
#include <string_view>

#include "emulator/core/http.hpp"
#include "emulator/keyvault/crypto/algorithms.hpp"
#include "emulator/keyvault/crypto/openssl_util.hpp"

namespace kmslab::keyvault::crypto::rsa {

core::Result<std::string> encrypt(EVP_PKEY* key, const Algorithm& alg, std::string_view plaintext);
core::Result<std::string> decrypt(EVP_PKEY* key, const Algorithm& alg, std::string_view ciphertext);
core::Result<std::string> sign(EVP_PKEY* key, const Algorithm& alg, std::string_view digest);
/// false for any signature that does not verify, including one of the wrong length.
core::Result<bool> verify(EVP_PKEY* key, const Algorithm& alg, std::string_view digest,
                          std::string_view signature);

}  // namespace kmslab::keyvault::crypto::rsa
