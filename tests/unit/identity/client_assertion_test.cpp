// Certificate credentials: client assertions checked at the token endpoint (claims) and by the
// directory (the registered certificate's signature), with Entra ID's AADSTS codes.
#include "emulator/identity/client_assertion.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "emulator/core/base64url.hpp"
#include "emulator/identity/directory_admin.hpp"
#include "emulator/identity/service_principals.hpp"
#include "tests/unit/identity/identity_test_support.hpp"

namespace kmslab::identity {
namespace {

constexpr const char* kTenant = "11111111-2222-3333-4444-555555555555";
const std::string kUrl =
    std::string("https://login.microsoftonline.com/") + kTenant + "/oauth2/token";

struct Cert {
  std::shared_ptr<EVP_PKEY> key;
  std::string pem, x5t;
};

Cert make_cert() {
  std::shared_ptr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", 2048), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 7);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
  X509_set_pubkey(x.get(), key.get());
  X509_sign(x.get(), key.get(), EVP_sha256());
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), x.get());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  unsigned char* der = nullptr;
  const int der_len = i2d_X509(x.get(), &der);
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(der, der_len, d);
  OPENSSL_free(der);
  return {key, std::string(data, len),
          core::base64url_encode(std::string_view(reinterpret_cast<char*>(d), sizeof d))};
}

std::string sign(const Cert& c, const nlohmann::json& header, const nlohmann::json& claims) {
  const std::string input =
      core::base64url_encode(header.dump()) + "." + core::base64url_encode(claims.dump());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 512;
  std::string sig(len, '\0');
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, c.key.get());
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  return input + "." + core::base64url_encode(sig);
}

nlohmann::json claims(int64_t now, const std::string& app = "app") {
  return {{"aud", kUrl}, {"iss", app}, {"sub", app},
          {"jti", "j"},  {"nbf", now}, {"exp", now + 600}};
}

int code_of(std::string_view assertion, int64_t now, const std::string& client = "app") {
  auto r = check_assertion_claims(assertion, client, {kUrl}, now);
  return std::holds_alternative<AadError>(r) ? std::get<AadError>(r).code : 0;
}

TEST(ClientAssertion, ClaimsAreCheckedWithEntraIdsCodes) {
  const Cert c = make_cert();
  const nlohmann::json h = {{"alg", "RS256"}, {"typ", "JWT"}, {"x5t", c.x5t}};
  const std::string good = sign(c, h, claims(1000));
  auto ok = check_assertion_claims(good, "app", {kUrl}, 1000);
  ASSERT_TRUE(std::holds_alternative<std::string>(ok));
  EXPECT_EQ(std::get<std::string>(ok), c.x5t);
  EXPECT_EQ(code_of(good, 1600), 700024);  // expired
  EXPECT_EQ(code_of(good, 999), 700024);   // not yet valid
  EXPECT_EQ(code_of(good, 1000, "other"), 700021);
  auto aud = claims(1000);
  aud["aud"] = "https://login.microsoftonline.com/common/oauth2/token";
  EXPECT_EQ(code_of(sign(c, h, aud), 1000), 50012);
  EXPECT_EQ(code_of(sign(c, {{"alg", "HS256"}, {"x5t", c.x5t}}, claims(1000)), 1000), 700027);
  EXPECT_EQ(code_of(sign(c, {{"alg", "RS256"}}, claims(1000)), 1000), 50027);
  for (const char* bad : {"", "a.b", "a.b.c", "....", "eyJ9.eyJ9.x"}) {
    EXPECT_EQ(code_of(bad, 1000), 50027) << bad;
  }
}

TEST(ClientAssertion, ThumbprintAndSignatureOfAPemCertificate) {
  const Cert c = make_cert(), other = make_cert();
  EXPECT_EQ(certificate_thumbprint(c.pem), c.x5t);
  EXPECT_FALSE(certificate_thumbprint("not a certificate"));
  EXPECT_FALSE(certificate_thumbprint(""));
  const std::string jwt = sign(c, {{"alg", "RS256"}, {"x5t", c.x5t}}, claims(1));
  EXPECT_TRUE(assertion_signed_by(jwt, c.pem));
  EXPECT_FALSE(assertion_signed_by(jwt, other.pem));
  EXPECT_FALSE(assertion_signed_by(jwt + "A", c.pem));
  EXPECT_FALSE(assertion_signed_by("no dots", c.pem));
}

class CertificateCredentialTest : public ::testing::Test, protected testing::RouteHarness {
 protected:
  CertificateCredentialTest() : directory(*store, rng) {
    register_directory_admin_routes(router, {directory, kTenant, "sub", "kmslab", "eastus", "tok"});
    finish();
  }
  Directory directory;
};

TEST_F(CertificateCredentialTest, AdminApiRegistersACertificateTheValidatorChecks) {
  const Cert c = make_cert(), stranger = make_cert();
  auto created = send(core::http::verb::post, "/_kmslab/identity/service-principals",
                      {{"Authorization", "Bearer tok"}},
                      nlohmann::json{{"displayName", "plugin"}, {"certificate", c.pem}}.dump());
  ASSERT_EQ(created.result_int(), 201) << created.body();
  const auto j = body(created);
  EXPECT_EQ(j["certificateThumbprint"], c.x5t);
  const std::string app = j["appId"];
  auto validate = client_validator(directory, DirectoryMode::kRegistered);
  const auto sp = directory.find_service_principal(app);
  ASSERT_TRUE(sp);
  const std::string jwt = sign(c, {{"alg", "RS256"}, {"x5t", c.x5t}}, claims(1, app));
  ClientCredentials creds{kTenant, app, "", jwt, c.x5t};
  auto ok = validate(creds);
  EXPECT_FALSE(ok.error);
  EXPECT_EQ(ok.object_id, sp->object_id);
  // Signed by another key under the registered thumbprint: a bad signature.
  creds.client_assertion = sign(stranger, {{"alg", "RS256"}, {"x5t", c.x5t}}, claims(1, app));
  EXPECT_EQ(validate(creds).error->code, 700027);
  // An unregistered certificate: the key is not found, and the answer names its thumbprint.
  creds.assertion_x5t = stranger.x5t;
  auto unknown = validate(creds);
  ASSERT_TRUE(unknown.error);
  EXPECT_EQ(unknown.error->code, 700027);
  EXPECT_EQ(unknown.error->status, 401u);
  EXPECT_NE(unknown.error->message.find(stranger.x5t), std::string::npos);
}

TEST_F(CertificateCredentialTest, AMalformedCertificateIsRefusedAndNothingIsCreated) {
  auto bad = send(core::http::verb::post, "/_kmslab/identity/service-principals",
                  {{"Authorization", "Bearer tok"}}, R"({"certificate":"-----BEGIN nothing"})");
  EXPECT_EQ(bad.result_int(), 400) << bad.body();
  EXPECT_TRUE(directory.list_service_principals().empty());
  auto wrong_type = send(core::http::verb::post, "/_kmslab/identity/service-principals",
                         {{"Authorization", "Bearer tok"}}, R"({"certificate":5})");
  EXPECT_EQ(wrong_type.result_int(), 400);
  EXPECT_TRUE(directory.list_service_principals().empty());
}

}  // namespace
}  // namespace kmslab::identity
