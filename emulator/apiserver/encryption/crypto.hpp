#pragma once
// The primitives every provider shares (OpenSSL EVP), with kube-apiserver's error texts where a
// stored value is rejected, so each transformer file only lays out bytes.
#include <cstdint>
#include <string>
#include <string_view>

namespace kmslab::core {
class Rng;
}

namespace kmslab::apiserver::encryption {

inline constexpr size_t kGcmNonceSize = 12;
inline constexpr size_t kGcmTagSize = 16;
inline constexpr size_t kAesBlockSize = 16;

/// Go's crypto/cipher text for a failed AES-GCM open (wrong key, flipped bit, other AAD).
inline constexpr std::string_view kGcmOpenFailed = "cipher: message authentication failed";
/// Go's crypto/aes text for a key that is not 16, 24 or 32 bytes.
std::string aes_key_size_error(size_t size);

std::string random_bytes(core::Rng& rng, size_t n);

/// nonce || ciphertext || tag. `key` is 16, 24 or 32 bytes (checked by the caller).
std::string gcm_seal(std::string_view key, std::string_view nonce, std::string_view plain,
                     std::string_view aad);
/// Throws TransformError(kGcmOpenFailed) when authentication fails. `sealed` = ct || tag.
std::string gcm_open(std::string_view key, std::string_view nonce, std::string_view sealed,
                     std::string_view aad);

/// Raw AES-CBC over whole blocks (no padding; the caller pads), as Go's CryptBlocks.
std::string cbc_encrypt_blocks(std::string_view key, std::string_view iv, std::string_view data);
std::string cbc_decrypt_blocks(std::string_view key, std::string_view iv, std::string_view data);

/// HKDF-Expand only (RFC 5869 §2.3), SHA-256, `length` bytes: what Go's hkdf.Expand gives.
std::string hkdf_sha256_expand(std::string_view prk, std::string_view info, size_t length);

std::string sha256(std::string_view data);
std::string hex(std::string_view bytes);
/// "sha256:<hex of sha256(value)>", empty stays empty (kms.md §4.6, GetHashIfNotEmpty).
std::string hash_if_not_empty(std::string_view value);

bool valid_aes_key_size(size_t n);

}  // namespace kmslab::apiserver::encryption
