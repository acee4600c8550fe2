#include "emulator/apiserver/encryption/crypto.hpp"

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

const EVP_CIPHER* gcm_cipher(size_t key_size) {
  switch (key_size) {
    case 16:
      return EVP_aes_128_gcm();
    case 24:
      return EVP_aes_192_gcm();
    case 32:
      return EVP_aes_256_gcm();
  }
  throw TransformError(aes_key_size_error(key_size));
}

const EVP_CIPHER* cbc_cipher(size_t key_size) {
  switch (key_size) {
    case 16:
      return EVP_aes_128_cbc();
    case 24:
      return EVP_aes_192_cbc();
    case 32:
      return EVP_aes_256_cbc();
  }
  throw TransformError(aes_key_size_error(key_size));
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
  check(
      EVP_CipherInit_ex(ctx.get(), cbc_cipher(key.size()), nullptr, bytes(key), bytes(iv), encrypt),
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
  check(EVP_EncryptInit_ex(ctx.get(), gcm_cipher(key.size()), nullptr, nullptr, nullptr),
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
  check(EVP_DecryptInit_ex(ctx.get(), gcm_cipher(key.size()), nullptr, nullptr, nullptr),
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

std::string hkdf_sha256_expand(std::string_view prk, std::string_view info, size_t length) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr), EVP_PKEY_CTX_free);
  if (!ctx) throw std::bad_alloc();
  check(EVP_PKEY_derive_init(ctx.get()), "HKDF init");
  check(EVP_PKEY_CTX_set_hkdf_mode(ctx.get(), EVP_PKEY_HKDEF_MODE_EXPAND_ONLY), "HKDF mode");
  check(EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()), "HKDF md");
  check(EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), bytes(prk), static_cast<int>(prk.size())),
        "HKDF key");
  check(EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), bytes(info), static_cast<int>(info.size())),
        "HKDF info");
  std::string out(length, '\0');
  size_t n = length;
  check(EVP_PKEY_derive(ctx.get(), bytes(out), &n), "HKDF derive");
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
  return value.empty() ? std::string() : "sha256:" + hex(sha256(value));
}

}  // namespace kmslab::apiserver::encryption
