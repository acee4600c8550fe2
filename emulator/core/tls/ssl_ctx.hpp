#pragma once
// The serving policy every server SSL_CTX gets, and loading a leaf certificate into one.

#include <memory>

#include "emulator/core/tls/ca.hpp"
#include "emulator/core/tls/openssl.hpp"

namespace kmslab::core::tls {

// TLS 1.2+ (1.3 enabled), ECDHE + AEAD ciphers only for 1.2, no compression, no renegotiation,
// server cipher preference, server-side session cache.
void apply_server_policy(SSL_CTX* ctx);

// Installs `cert` (leaf only: the CA is the client's trust anchor) and its key.
void use_certificate(SSL_CTX* ctx, const IssuedCert& cert);

// A standalone server context with the policy and `cert`, for SNI switching (SSL_set_SSL_CTX).
std::shared_ptr<SSL_CTX> make_server_ctx(const IssuedCert& cert);

}  // namespace kmslab::core::tls
