#include "emulator/apiserver/encryption/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/sha.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include "emulator/apiserver/encryption/transformer.hpp"
#include "emulator/core/rng.hpp"

namespace kmslab::apiserver::encryption {
namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx new_ctx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  if (!ctx) throw std::bad_alloc();
  return ctx;
}

// OpenSSL 3 looks a legacy EVP_aes_*() cipher up in its provider tables on every init; fetched
// once, the per-object cost is the cipher itself (tools/bench/apiserver.sh, KMS v2 reads).
const EVP_CIPHER* fetched(const char* name) {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (!cipher) throw std::runtime_error(std::string("OpenSSL: no cipher ") + name);
  return cipher;  // kept for the process's life
}

enum class AesMode { kGcm, kCbc };

// AES-128/192/256 in one mode, by key size; other sizes get the aescbc/aesgcm message.
const EVP_CIPHER* aes_cipher(AesMode mode, size_t key_size) {
  static const EVP_CIPHER* const gcm[] = {fetched("AES-128-GCM"), fetched("AES-192-GCM"),
                                          fetched("AES-256-GCM")};
  static const EVP_CIPHER* const cbc[] = {fetched("AES-128-CBC"), fetched("AES-192-CBC"),
                                          fetched("AES-256-CBC")};
  if (key_size != 16 && key_size != 24 && key_size != 32) {
    throw TransformError(aes_key_size_error(key_size));
  }
  const size_t index = (key_size - 16) / 8;
  return mode == AesMode::kGcm ? gcm[index] : cbc[index];
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

void check(int ok, const char* what) {
  if (ok != 1) throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

std::string cbc_blocks(std::string_view key, std::string_view iv, std::string_view data,
                       int encrypt) {
  auto ctx = new_ctx();
  check(EVP_CipherInit_ex(ctx.get(), aes_cipher(AesMode::kCbc, key.size()), nullptr, bytes(key),
                          bytes(iv), encrypt),
        "CBC init");
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  std::string out(data.size() + kAesBlockSize, '\0');
  int n = 0, tail = 0;
  check(EVP_CipherUpdate(ctx.get(), bytes(out), &n, bytes(data), static_cast<int>(data.size())),
        "CBC update");
  check(EVP_CipherFinal_ex(ctx.get(), bytes(out) + n, &tail), "CBC final");
  out.resize(static_cast<size_t>(n + tail));
  return out;
}

}  // namespace

std::string aes_key_size_error(size_t size) {
  return "crypto/aes: invalid key size " + std::to_string(size);
}

bool valid_aes_key_size(size_t n) {
  return n == 16 || n == 24 || n == 32;
}

std::string random_bytes(core::Rng& rng, size_t n) {
  std::string out(n, '\0');
  rng.fill({reinterpret_cast<uint8_t*>(out.data()), out.size()});
  return out;
}

std::string gcm_seal(std::string_view key, std::string_view nonce, std::string_view plain,
                     std::string_view aad) {
  auto ctx = new_ctx();
  check(EVP_EncryptInit_ex(ctx.get(), aes_cipher(AesMode::kGcm, key.size()), nullptr, nullptr,
                           nullptr),
        "GCM init");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                            nullptr),
        "GCM ivlen");
  check(EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key), bytes(nonce)), "GCM key");
  int n = 0;
  if (!aad.empty())
    check(EVP_EncryptUpdate(ctx.get(), nullptr, &n, bytes(aad), static_cast<int>(aad.size())),
          "GCM aad");
  std::string out(nonce);
  out.resize(nonce.size() + plain.size() + kGcmTagSize);
  unsigned char* ct = bytes(out) + nonce.size();
  check(EVP_EncryptUpdate(ctx.get(), ct, &n, bytes(plain), static_cast<int>(plain.size())),
        "GCM update");
  int tail = 0;
  check(EVP_EncryptFinal_ex(ctx.get(), ct + n, &tail), "GCM final");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagSize, ct + plain.size()),
        "GCM tag");
  return out;
}

std::string gcm_open(std::string_view key, std::string_view nonce, std::string_view sealed,
                     std::string_view aad) {
  if (sealed.size() < kGcmTagSize) throw TransformError(std::string(kGcmOpenFailed));
  auto ctx = new_ctx();
  check(EVP_DecryptInit_ex(ctx.get(), aes_cipher(AesMode::kGcm, key.size()), nullptr, nullptr,
                           nullptr),
        "GCM init");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                            nullptr),
        "GCM ivlen");
  check(EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key), bytes(nonce)), "GCM key");
  int n = 0;
  if (!aad.empty())
    check(EVP_DecryptUpdate(ctx.get(), nullptr, &n, bytes(aad), static_cast<int>(aad.size())),
          "GCM aad");
  const size_t ct_size = sealed.size() - kGcmTagSize;
  std::string out(ct_size, '\0');
  check(EVP_DecryptUpdate(ctx.get(), bytes(out), &n, bytes(sealed), static_cast<int>(ct_size)),
        "GCM update");
  std::string tag(sealed.substr(ct_size));
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag.data()),
        "GCM set tag");
  int tail = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), bytes(out) + n, &tail) != 1)
    throw TransformError(std::string(kGcmOpenFailed));
  return out;
}

std::string cbc_encrypt_blocks(std::string_view key, std::string_view iv, std::string_view data) {
  return cbc_blocks(key, iv, data, 1);
}

std::string cbc_decrypt_blocks(std::string_view key, std::string_view iv, std::string_view data) {
  return cbc_blocks(key, iv, data, 0);
}

// HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) || info || i), with the HMAC fetched
// once (EVP_PKEY_HKDF fetched its KDF on every call, the largest cost of a KMS v2 read).
std::string hkdf_sha256_expand(std::string_view prk, std::string_view info, size_t length) {
  static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!hmac) throw std::runtime_error("OpenSSL: no HMAC");
  if (length > 255 * 32) throw std::invalid_argument("HKDF: output too long");
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(hmac),
                                                                EVP_MAC_CTX_free);
  if (!ctx) throw std::bad_alloc();
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                               OSSL_PARAM_construct_end()};
  std::string out, block;
  for (unsigned char i = 1; out.size() < length; ++i) {
    check(EVP_MAC_init(ctx.get(), bytes(prk), prk.size(), params), "HKDF init");
    const unsigned char counter[1] = {i};
    check(EVP_MAC_update(ctx.get(), bytes(block), block.size()), "HKDF update");
    check(EVP_MAC_update(ctx.get(), bytes(info), info.size()), "HKDF update");
    check(EVP_MAC_update(ctx.get(), counter, 1), "HKDF update");
    block.assign(32, '\0');
    size_t n = 0;
    check(EVP_MAC_final(ctx.get(), bytes(block), &n, block.size()), "HKDF final");
    out += block;
  }
  out.resize(length);
  return out;
}

std::string sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(bytes(data), data.size(), bytes(out));
  return out;
}

std::string hex(std::string_view b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (unsigned char c : b) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string hash_if_not_empty(std::string_view value) {
  if (value.empty()) return {};
  // Metric labels hash the same key_id and apiserver id on every object: remember the last few.
  thread_local std::pair<std::string, std::string> memo[2];
  thread_local size_t next = 0;
  for (const auto& [v, h] : memo)
    if (!h.empty() && v == value) return h;
  auto& slot = memo[next++ % 2];
  slot = {std::string(value), "sha256:" + hex(sha256(value))};
  return slot.second;
}

}  // namespace kmslab::apiserver::encryption
