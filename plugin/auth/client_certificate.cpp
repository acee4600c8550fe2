#include "plugin/auth/client_certificate.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "emulator/core/base64url.hpp"
#include "plugin/auth/token_source.hpp"

namespace kmslab::plugin {
namespace {

[[noreturn]] void fail(const std::string& why) {
  ERR_clear_error();
  throw AuthError("failed to decode the client certificate: " + why);
}

std::string x5t_of(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  if (len <= 0) fail("the certificate cannot be encoded");
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(der, static_cast<size_t>(len), digest);
  OPENSSL_free(der);
  return core::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string rs256(EVP_PKEY* key, const std::string& data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    throw AuthError("failed to sign the client assertion");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    throw AuthError("failed to sign the client assertion");
  }
  sig.resize(len);
  return sig;
}

}  // namespace

ClientCertificate decode_pkcs12(const std::string& der, const std::string& password) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<PKCS12, decltype(&PKCS12_free)> p12(
      d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())), PKCS12_free);
  if (!p12) fail("the file is not PKCS#12 data");
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  if (PKCS12_parse(p12.get(), password.c_str(), &key, &cert, nullptr) != 1) {
    fail("the password is wrong or the data is corrupt");
  }
  std::shared_ptr<EVP_PKEY> owned_key(key, EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> owned_cert(cert, X509_free);
  if (!key || !cert) fail("the file must hold a private key and its certificate");
  // adal's decodePkcs12 accepts RSA keys only (it signs with RS256).
  if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) fail("the private key is not an RSA key");
  if (X509_check_private_key(cert, key) != 1) fail("the certificate does not match the key");
  return {owned_key, x5t_of(cert)};
}

ClientCertificate load_pkcs12(const std::string& path, const std::string& password) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  if (in) bytes << in.rdbuf();
  if (!in) {
    throw AuthError("failed to read the certificate file (" + path +
                    "): cannot open or read the file");
  }
  return decode_pkcs12(bytes.str(), password);
}

std::string client_assertion(const ClientCertificate& cert, const std::string& client_id,
                             const std::string& token_url, int64_t now, const std::string& jti,
                             int64_t lifetime_s) {
  const nlohmann::ordered_json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"x5t", cert.x5t}};
  const nlohmann::ordered_json claims = {{"aud", token_url}, {"exp", now + lifetime_s},
                                         {"iss", client_id}, {"jti", jti},
                                         {"nbf", now},       {"sub", client_id}};
  const std::string input =
      core::base64url_encode(header.dump()) + "." + core::base64url_encode(claims.dump());
  return input + "." + core::base64url_encode(rs256(cert.key.get(), input));
}

}  // namespace kmslab::plugin
