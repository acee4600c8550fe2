#pragma once
// RAII wrappers and error/PEM helpers for the OpenSSL objects the TLS code uses. Every OpenSSL
// object lives in one of these unique_ptrs so an exception on any path frees it.

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace kmslab::core::tls {

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpenSslDeleter<X509_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpenSslDeleter<GENERAL_NAME_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpenSslDeleter<ASN1_INTEGER_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslDeleter<SSL_CTX_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<X509_STORE_CTX_free>>;

// Drains this thread's OpenSSL error queue into a readable string ("" when empty). Draining also
// keeps stale errors from confusing later SSL_get_error calls on the same thread.
std::string drain_openssl_errors();

// A runtime_error "<what>: <openssl errors>".
std::runtime_error openssl_error(std::string_view what);

std::string to_pem(X509* cert);
std::string to_pem(EVP_PKEY* key);  // PKCS#8 "PRIVATE KEY", unencrypted

// Parse one PEM object; return nullptr (with the error queue drained) when the text is not one.
X509Ptr parse_cert_pem(std::string_view pem);
EvpPkeyPtr parse_key_pem(std::string_view pem);

}  // namespace kmslab::core::tls
