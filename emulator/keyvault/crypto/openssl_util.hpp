#pragma once
// RAII owners for the OpenSSL objects this module touches, and the few byte <-> BIGNUM helpers
// every key type needs. Internal to emulator/keyvault/crypto.
#include <openssl/bn.h>
#include <openssl/core.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>
#include <string_view>

namespace kmslab::keyvault::crypto::ossl {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<&EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<&EVP_PKEY_CTX_free>>;
// Private key parts are wiped when freed.
using BnPtr = std::unique_ptr<BIGNUM, Deleter<&BN_clear_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<&OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, Deleter<&OSSL_PARAM_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<&ECDSA_SIG_free>>;
using EncoderCtxPtr = std::unique_ptr<OSSL_ENCODER_CTX, Deleter<&OSSL_ENCODER_CTX_free>>;
using DecoderCtxPtr = std::unique_ptr<OSSL_DECODER_CTX, Deleter<&OSSL_DECODER_CTX_free>>;

/// Throws std::runtime_error naming `what` and the OpenSSL error queue (which it empties).
/// For failures that valid input cannot cause: the dispatcher turns them into a logged 500.
[[noreturn]] void fail(std::string_view what);

/// Empties this thread's OpenSSL error queue after an expected failure (bad padding, a
/// signature that does not verify), so it cannot leak into a later, unrelated error report.
void clear_errors();

/// A fresh operation context on `key` (contexts are never shared between threads).
PkeyCtxPtr context_for(EVP_PKEY* key);

/// Big-endian unsigned bytes -> BIGNUM (empty input is zero).
BnPtr bn_from_bytes(std::string_view bytes);
/// BIGNUM -> minimal big-endian bytes (no leading zeros; zero is one 0x00 byte).
std::string bn_to_bytes(const BIGNUM* bn);
/// BIGNUM -> big-endian bytes left-padded to `width`.
std::string bn_to_padded_bytes(const BIGNUM* bn, size_t width);
/// A BIGNUM-valued key parameter ("n", "e", "qx", ...); throws if the key lacks it.
BnPtr bn_param(const EVP_PKEY* key, const char* name);

}  // namespace kmslab::keyvault::crypto::ossl
