// PKCS#12 client certificates (azure.json aadClientCertPath, reference/kms.md §7.2): decoding,
// clear errors for bad files and passwords, and the client assertion adal signs with them.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include "emulator/core/base64url.hpp"
#include "plugin/auth/client_certificate.hpp"
#include "plugin/auth/token_source.hpp"

namespace kmslab::plugin {
namespace {

struct Made {
  std::string p12, cert_der;
  std::shared_ptr<EVP_PKEY> key;
};

// A self-signed RSA-2048 certificate in a PKCS#12 file, as `openssl pkcs12 -export` makes one.
Made make_p12(const char* password, int key_type = EVP_PKEY_RSA) {
  EVP_PKEY* raw = key_type == EVP_PKEY_RSA ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", 2048)
                                           : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  std::shared_ptr<EVP_PKEY> key(raw, EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("plugin"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  X509_set_pubkey(cert.get(), key.get());
  X509_sign(cert.get(), key.get(), EVP_sha256());
  std::unique_ptr<PKCS12, decltype(&PKCS12_free)> p12(
      PKCS12_create(password, "plugin", key.get(), cert.get(), nullptr, 0, 0, 0, 0, 0),
      PKCS12_free);
  unsigned char* out = nullptr;
  const int len = i2d_PKCS12(p12.get(), &out);
  unsigned char* der = nullptr;
  const int der_len = i2d_X509(cert.get(), &der);
  Made m{std::string(reinterpret_cast<char*>(out), len),
         std::string(reinterpret_cast<char*>(der), der_len), key};
  OPENSSL_free(out);
  OPENSSL_free(der);
  return m;
}

std::string sha1_b64url(const std::string& bytes) {
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), d);
  return core::base64url_encode(std::string_view(reinterpret_cast<char*>(d), sizeof d));
}

std::string error_of(const std::string& der, const std::string& password) {
  try {
    decode_pkcs12(der, password);
  } catch (const AuthError& e) {
    return e.what();
  }
  return "";
}

TEST(ClientCertificate, DecodesTheKeyAndTheThumbprint) {
  const Made m = make_p12("pa55");
  const ClientCertificate c = decode_pkcs12(m.p12, "pa55");
  EXPECT_EQ(c.x5t, sha1_b64url(m.cert_der));
  EXPECT_EQ(EVP_PKEY_eq(c.key.get(), m.key.get()), 1);
}

TEST(ClientCertificate, WrongPasswordMalformedAndNonRsaAreClearErrors) {
  const Made m = make_p12("pa55");
  const std::string wrong = error_of(m.p12, "nope");
  EXPECT_NE(wrong.find("failed to decode the client certificate: the password is wrong"),
            std::string::npos)
      << wrong;
  EXPECT_EQ(wrong.find("nope"), std::string::npos);
  EXPECT_NE(error_of("not pkcs12", "pa55").find("not PKCS#12"), std::string::npos);
  EXPECT_NE(error_of("", "pa55").find("not PKCS#12"), std::string::npos);
  EXPECT_NE(error_of(m.p12.substr(0, m.p12.size() / 2), "pa55").find("failed to decode"),
            std::string::npos);
  EXPECT_NE(error_of(make_p12("pa55", EVP_PKEY_EC).p12, "pa55").find("not an RSA key"),
            std::string::npos);
}

TEST(ClientCertificate, MissingFileIsAClearError) {
  try {
    load_pkcs12("/nonexistent/cert.p12", "x");
    FAIL();
  } catch (const AuthError& e) {
    EXPECT_STREQ(e.what(),
                 "failed to read the certificate file (/nonexistent/cert.p12): cannot open or read "
                 "the file");
  }
}

TEST(ClientCertificate, AssertionIsAnRs256JwtWithAdalsClaims) {
  const Made m = make_p12("pa55");
  const ClientCertificate c = decode_pkcs12(m.p12, "pa55");
  const std::string url = "https://login.microsoftonline.com/t1/oauth2/token";
  const std::string jwt = client_assertion(c, "app-1", url, 1000, "jti-1");
  const size_t dot1 = jwt.find('.'), dot2 = jwt.rfind('.');
  ASSERT_NE(dot1, dot2);
  const auto header = nlohmann::json::parse(*core::base64url_decode(jwt.substr(0, dot1)));
  const auto claims =
      nlohmann::json::parse(*core::base64url_decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1)));
  EXPECT_EQ(header, (nlohmann::json{{"alg", "RS256"}, {"typ", "JWT"}, {"x5t", c.x5t}}));
  EXPECT_EQ(claims, (nlohmann::json{{"aud", url},
                                    {"iss", "app-1"},
                                    {"sub", "app-1"},
                                    {"jti", "jti-1"},
                                    {"nbf", 1000},
                                    {"exp", 1000 + 24 * 3600}}));
  const std::string input = jwt.substr(0, dot2);
  const std::string sig = *core::base64url_decode(jwt.substr(dot2 + 1));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  ASSERT_EQ(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, m.key.get()), 1);
  EXPECT_EQ(
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()),
      1);
}

}  // namespace
}  // namespace kmslab::plugin
