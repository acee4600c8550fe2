#include "emulator/keyvault/crypto/rsa_ops.hpp"

#include <openssl/rsa.h>

#include "emulator/keyvault/crypto/crypto_errors.hpp"

namespace kmslab::keyvault::crypto::rsa {
namespace {

using core::Result;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

size_t modulus_bytes(const EVP_PKEY* key) {
  return static_cast<size_t>(EVP_PKEY_get_size(key));
}

// OpenSSL >= 3.2 answers a bad PKCS#1 v1.5 padding with a synthetic plaintext (implicit
// rejection, a Bleichenbacher defence). Key Vault reports the error instead, so it is turned off
// where the provider offers it. The literal is OSSL_ASYM_CIPHER_PARAM_IMPLICIT_REJECTION, which
// OpenSSL 3.0 headers do not define.
void disable_implicit_rejection(EVP_PKEY_CTX* ctx) {
  static constexpr const char* kName = "implicit-rejection";
  const OSSL_PARAM* settable = EVP_PKEY_CTX_settable_params(ctx);
  if (!settable || !OSSL_PARAM_locate_const(settable, kName)) return;
  unsigned int off = 0;
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_uint(kName, &off), OSSL_PARAM_construct_end()};
  if (EVP_PKEY_CTX_set_params(ctx, params) != 1) ossl::fail("disable implicit rejection");
}

void set_encryption_padding(EVP_PKEY_CTX* ctx, const Algorithm& alg, bool decrypting) {
  if (alg.scheme == Scheme::kRsaPkcs1Encryption) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) ossl::fail("pkcs1 padding");
    if (decrypting) disable_implicit_rejection(ctx);
    return;
  }
  // OAEP: the label hash and MGF1 use the same function (SHA-1 for RSA-OAEP, SHA-256 for
  // RSA-OAEP-256), with an empty label.
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx, alg.md()) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, alg.md()) != 1) {
    ossl::fail("oaep padding");
  }
}

void set_signature_padding(EVP_PKEY_CTX* ctx, const Algorithm& alg) {
  bool ok = true;
  switch (alg.scheme) {
    case Scheme::kRsaPkcs1Signature:  // OpenSSL wraps the digest in its DigestInfo
      ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
           EVP_PKEY_CTX_set_signature_md(ctx, alg.md()) == 1;
      break;
    case Scheme::kRsaPss:  // salt length = hash length, as Key Vault and the SDKs use
      ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_signature_md(ctx, alg.md()) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, alg.md()) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1;
      break;
    default:  // RSNULL: no digest set, so the bytes are padded as given
      ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
  }
  if (!ok) ossl::fail("signature padding");
}

std::string_view padding_name(const Algorithm& alg) {
  return alg.scheme == Scheme::kRsaOaep ? "OAEP" : "PKCS1";
}

}  // namespace

Result<std::string> encrypt(EVP_PKEY* key, const Algorithm& alg, std::string_view plaintext) {
  const size_t maximum = modulus_bytes(key) - alg.padding_overhead;
  if (plaintext.size() > maximum) {
    return errors::value_too_long("value", plaintext.size(), alg.name, EVP_PKEY_get_bits(key),
                                  maximum);
  }
  ossl::PkeyCtxPtr ctx = ossl::context_for(key);
  if (EVP_PKEY_encrypt_init(ctx.get()) != 1) ossl::fail("EVP_PKEY_encrypt_init");
  set_encryption_padding(ctx.get(), alg, false);
  std::string out(modulus_bytes(key), '\0');
  size_t out_len = out.size();
  if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &out_len,
                       bytes(plaintext), plaintext.size()) != 1) {
    ossl::fail("EVP_PKEY_encrypt");
  }
  out.resize(out_len);
  return out;
}

Result<std::string> decrypt(EVP_PKEY* key, const Algorithm& alg, std::string_view ciphertext) {
  // A ciphertext is always exactly the modulus size.
  if (ciphertext.size() != modulus_bytes(key)) {
    return errors::invalid_length("value", ciphertext.size(), alg.name, modulus_bytes(key));
  }
  ossl::PkeyCtxPtr ctx = ossl::context_for(key);
  if (EVP_PKEY_decrypt_init(ctx.get()) != 1) ossl::fail("EVP_PKEY_decrypt_init");
  set_encryption_padding(ctx.get(), alg, true);
  std::string out(modulus_bytes(key), '\0');
  size_t out_len = out.size();
  if (EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &out_len,
                       bytes(ciphertext), ciphertext.size()) != 1) {
    ossl::clear_errors();  // the client's ciphertext, not our fault: a 400
    return errors::padding_check_failed(padding_name(alg));
  }
  out.resize(out_len);
  return out;
}

Result<std::string> sign(EVP_PKEY* key, const Algorithm& alg, std::string_view digest) {
  if (alg.scheme == Scheme::kRsaRaw && digest.size() > modulus_bytes(key) - alg.padding_overhead) {
    return errors::value_too_long("value", digest.size(), alg.name, EVP_PKEY_get_bits(key),
                                  modulus_bytes(key) - alg.padding_overhead);
  }
  ossl::PkeyCtxPtr ctx = ossl::context_for(key);
  if (EVP_PKEY_sign_init(ctx.get()) != 1) ossl::fail("EVP_PKEY_sign_init");
  set_signature_padding(ctx.get(), alg);
  std::string out(modulus_bytes(key), '\0');
  size_t out_len = out.size();
  if (EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &out_len,
                    bytes(digest), digest.size()) != 1) {
    ossl::fail("EVP_PKEY_sign (RSA)");
  }
  out.resize(out_len);
  return out;
}

Result<bool> verify(EVP_PKEY* key, const Algorithm& alg, std::string_view digest,
                    std::string_view signature) {
  if (alg.scheme == Scheme::kRsaRaw && digest.size() > modulus_bytes(key) - alg.padding_overhead) {
    return errors::value_too_long("digest", digest.size(), alg.name, EVP_PKEY_get_bits(key),
                                  modulus_bytes(key) - alg.padding_overhead);
  }
  if (signature.size() != modulus_bytes(key)) return false;
  ossl::PkeyCtxPtr ctx = ossl::context_for(key);
  if (EVP_PKEY_verify_init(ctx.get()) != 1) ossl::fail("EVP_PKEY_verify_init");
  set_signature_padding(ctx.get(), alg);
  const int rc =
      EVP_PKEY_verify(ctx.get(), bytes(signature), signature.size(), bytes(digest), digest.size());
  if (rc != 1) ossl::clear_errors();
  return rc == 1;
}

}  // namespace kmslab::keyvault::crypto::rsa
