#pragma once
// The third credential of upstream's precedence (§7.2): a PKCS#12 file (aadClientCertPath,
// aadClientCertPassword). adal signs a client assertion with it (RFC 7523): a JWT, RS256, header
// {"alg","typ","x5t"} where x5t is the base64url SHA-1 of the certificate's DER; claims aud = the
// token endpoint, iss = sub = the client id, jti, nbf, exp.
#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace kmslab::plugin {

struct ClientCertificate {
  std::shared_ptr<EVP_PKEY> key;
  std::string x5t;
};

/// Decodes a PKCS#12 file's bytes (PKCS12_parse). Throws AuthError ("failed to decode the client
/// certificate: ...") for malformed data, a wrong password, or a file without an RSA key and its
/// certificate. The message never contains the password.
ClientCertificate decode_pkcs12(const std::string& der, const std::string& password);
/// Reads `path` ("failed to read the certificate file (<path>): ...") and decodes it.
ClientCertificate load_pkcs12(const std::string& path, const std::string& password);

/// The signed client_assertion for `client_id` at `token_url`, valid from `now` for `lifetime_s`
/// seconds (adal: 24 hours).
std::string client_assertion(const ClientCertificate& cert, const std::string& client_id,
                             const std::string& token_url, int64_t now, const std::string& jti,
                             int64_t lifetime_s = 24 * 3600);

}  // namespace kmslab::plugin
