#pragma once
// Every algorithm name the Key Vault API defines (JsonWebKeyEncryptionAlgorithm and
// JsonWebKeySignatureAlgorithm), with what a vault needs to run it. The AES and HMAC names are
// known so that using one on a vault key is "incompatible", not "unknown": a vault cannot hold
// the oct keys they need (those are Managed HSM only).
#include <openssl/evp.h>

#include <cstddef>
#include <string_view>

namespace kmslab::keyvault::crypto {

enum class Usage { kEncryption, kSignature };

enum class Scheme {
  kRsaPkcs1Encryption,  // RSA1_5
  kRsaOaep,             // RSA-OAEP, RSA-OAEP-256
  kRsaPkcs1Signature,   // RS256/384/512: the server builds the DigestInfo
  kRsaPss,              // PS256/384/512: MGF1 with the same hash, salt length = hash length
  kRsaRaw,              // RSNULL: PKCS#1 v1.5 type 1 padding of the bytes as given
  kEcdsa,               // ES256/256K/384/512 on the raw digest
  kSymmetric,           // AES / HMAC: needs an oct key
};

struct Algorithm {
  std::string_view name;
  Usage usage;
  Scheme scheme;
  /// The hash the scheme uses (OAEP label/MGF1 hash, DigestInfo/PSS hash); nullptr if none.
  const EVP_MD* (*md)();
  /// Exact digest length a sign/verify request must carry; 0 = no fixed length.
  size_t digest_bytes;
  /// Bytes of the modulus the padding takes (k - overhead = longest plaintext / raw input).
  size_t padding_overhead;
  /// The JWK curve an ES* algorithm is bound to; empty otherwise.
  std::string_view curve;
};

/// The algorithm of that name for that kind of operation; nullptr when the name is not one of
/// the API's values for it (e.g. "RS256" passed to encrypt).
const Algorithm* find_algorithm(std::string_view name, Usage usage);

/// The key family ("RSA", "EC" or "oct") an algorithm runs on.
std::string_view required_key_family(const Algorithm& alg);

}  // namespace kmslab::keyvault::crypto
