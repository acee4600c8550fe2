#include "emulator/keyvault/crypto/openssl_util.hpp"

#include <openssl/err.h>

#include <stdexcept>

namespace kmslab::keyvault::crypto::ossl {

void fail(std::string_view what) {
  std::string message = "OpenSSL: " + std::string(what);
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    message += "; ";
    message += buf;
  }
  throw std::runtime_error(message);
}

void clear_errors() {
  ERR_clear_error();
}

PkeyCtxPtr context_for(EVP_PKEY* key) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) fail("EVP_PKEY_CTX_new_from_pkey");
  return ctx;
}

BnPtr bn_from_bytes(std::string_view bytes) {
  BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                     static_cast<int>(bytes.size()), nullptr));
  if (!bn) fail("BN_bin2bn");
  return bn;
}

std::string bn_to_bytes(const BIGNUM* bn) {
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out.empty() ? std::string(1, '\0') : out;
}

std::string bn_to_padded_bytes(const BIGNUM* bn, size_t width) {
  std::string out(width, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(width)) < 0) {
    fail("BN_bn2binpad: value wider than its field");
  }
  return out;
}

BnPtr bn_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1)
    fail(std::string("missing key parameter ") + name);
  return BnPtr(raw);
}

}  // namespace kmslab::keyvault::crypto::ossl
