#pragma once
// Building blocks for the certificates the CA makes: keys, serials, names, validity, extensions.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/tls/openssl.hpp"

namespace kmslab::core::tls {

// A fresh EC P-256 key (named curve, as strict verifiers reject explicit curve parameters).
EvpPkeyPtr generate_ec_p256_key();

// A new X.509 v3 certificate with a random positive 128-bit serial and the public key of `key`.
X509Ptr new_v3_certificate(EVP_PKEY* key);

// notBefore = now - 1 day (clients judge with their own clock, which may lag ours a little),
// notAfter = notBefore + `days`.
void set_validity(X509* cert, std::chrono::system_clock::time_point now, long days);

// Subject from (short name, value) pairs such as {"CN", "kmslab local CA"}.
void set_subject(X509* cert, const std::vector<std::pair<std::string, std::string>>& entries);

// Adds an extension written in openssl.cnf syntax ("critical,CA:TRUE"). `issuer` supplies the
// authority key for authorityKeyIdentifier; pass `cert` itself when self-signing.
void add_extension(X509* cert, X509* issuer, int nid, const char* value);

// subjectAltName: IP entries for IP literals, DNS entries for everything else. Marked critical
// when the subject is empty, as RFC 5280 requires.
void add_subject_alt_names(X509* cert, const std::vector<std::string>& names, bool critical);

void sign_sha256(X509* cert, EVP_PKEY* key);

}  // namespace kmslab::core::tls
