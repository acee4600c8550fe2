#include "emulator/keyvault/crypto/ec_ops.hpp"

namespace kmslab::keyvault::crypto::ec {
namespace {

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::optional<std::string> der_to_raw(std::string_view der, size_t coordinate_bytes) {
  const unsigned char* p = bytes(der);
  ossl::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) {
    ossl::clear_errors();
    return std::nullopt;
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  if (static_cast<size_t>(BN_num_bytes(r)) > coordinate_bytes ||
      static_cast<size_t>(BN_num_bytes(s)) > coordinate_bytes) {
    return std::nullopt;
  }
  return ossl::bn_to_padded_bytes(r, coordinate_bytes) +
         ossl::bn_to_padded_bytes(s, coordinate_bytes);
}

std::optional<std::string> raw_to_der(std::string_view raw, size_t coordinate_bytes) {
  if (raw.size() != 2 * coordinate_bytes) return std::nullopt;
  ossl::BnPtr r = ossl::bn_from_bytes(raw.substr(0, coordinate_bytes));
  ossl::BnPtr s = ossl::bn_from_bytes(raw.substr(coordinate_bytes));
  ossl::EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) ossl::fail("ECDSA_SIG_set0");
  r.release();  // owned by sig now
  s.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) ossl::fail("i2d_ECDSA_SIG");
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

core::Result<std::string> sign(EVP_PKEY* key, const Curve& curve, std::string_view digest) {
  ossl::PkeyCtxPtr ctx = ossl::context_for(key);
  // No signature digest is set: OpenSSL signs the bytes as the digest, truncated to the order
  // size as ECDSA specifies (what ES512 on P-521 relies on).
  if (EVP_PKEY_sign_init(ctx.get()) != 1) ossl::fail("EVP_PKEY_sign_init (EC)");
  size_t der_len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &der_len, bytes(digest), digest.size()) != 1) {
    ossl::fail("EVP_PKEY_sign size (EC)");
  }
  std::string der(der_len, '\0');
  if (EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_len,
                    bytes(digest), digest.size()) != 1) {
    ossl::fail("EVP_PKEY_sign (EC)");
  }
  der.resize(der_len);
  std::optional<std::string> raw = der_to_raw(der, curve.coordinate_bytes);
  if (!raw) ossl::fail("ECDSA signature wider than the curve");
  return std::move(*raw);
}

bool verify(EVP_PKEY* key, const Curve& curve, std::string_view digest,
            std::string_view signature) {
  std::optional<std::string> der = raw_to_der(signature, curve.coordinate_bytes);
  if (!der) return false;
  ossl::PkeyCtxPtr ctx = ossl::context_for(key);
  if (EVP_PKEY_verify_init(ctx.get()) != 1) ossl::fail("EVP_PKEY_verify_init (EC)");
  const int rc = EVP_PKEY_verify(ctx.get(), bytes(*der), der->size(), bytes(digest), digest.size());
  if (rc != 1) ossl::clear_errors();
  return rc == 1;
}

}  // namespace kmslab::keyvault::crypto::ec
