#include "emulator/core/tls/ssl_ctx.hpp"

namespace kmslab::core::tls {
namespace {

// Forward secrecy and AEAD only. RSA suites stay listed so a future RSA certificate still works.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";
// Session ids must be bound to a context or OpenSSL refuses to resume them.
constexpr unsigned char kSessionContext[] = "kmslab";

void check(int rc, const char* what) {
  if (rc != 1) throw openssl_error(what);
}

}  // namespace

void apply_server_policy(SSL_CTX* ctx) {
  check(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION), "SSL_CTX_set_min_proto_version");
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  check(SSL_CTX_set_cipher_list(ctx, kTls12Ciphers), "SSL_CTX_set_cipher_list");
  check(SSL_CTX_set_ciphersuites(ctx, kTls13Suites), "SSL_CTX_set_ciphersuites");
  check(SSL_CTX_set1_groups_list(ctx, kGroups), "SSL_CTX_set1_groups_list");
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  check(SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1),
        "SSL_CTX_set_session_id_context");
}

void use_certificate(SSL_CTX* ctx, const IssuedCert& cert) {
  X509Ptr x509 = parse_cert_pem(cert.cert_pem);
  EvpPkeyPtr key = parse_key_pem(cert.key_pem);
  if (!x509 || !key) throw std::runtime_error("server certificate or key is not valid PEM");
  check(SSL_CTX_use_certificate(ctx, x509.get()), "SSL_CTX_use_certificate");
  check(SSL_CTX_use_PrivateKey(ctx, key.get()), "SSL_CTX_use_PrivateKey");
  check(SSL_CTX_check_private_key(ctx), "SSL_CTX_check_private_key");
}

std::shared_ptr<SSL_CTX> make_server_ctx(const IssuedCert& cert) {
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) throw openssl_error("SSL_CTX_new");
  apply_server_policy(ctx.get());
  use_certificate(ctx.get(), cert);
  return ctx;
}

}  // namespace kmslab::core::tls
