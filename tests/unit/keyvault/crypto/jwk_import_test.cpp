// KeyImportParameters.key: JsonWebKeys with private members, valid and broken.
#include <gtest/gtest.h>
#include <openssl/rsa.h>

#include "emulator/core/base64url.hpp"
#include "emulator/keyvault/crypto/ec_ops.hpp"
#include "emulator/keyvault/crypto/key_material.hpp"
#include "test_support.hpp"

namespace kmslab::keyvault::crypto {
namespace {

using nlohmann::json;
using support::digest;

ossl::PkeyPtr openssl_rsa() {
  ossl::PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  if (!key) throw std::runtime_error("keygen");
  return key;
}

ossl::PkeyPtr openssl_ec(const char* group) {
  ossl::PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group));
  if (!key) throw std::runtime_error("keygen");
  return key;
}

const json& rsa_jwk() {
  static const json jwk = support::private_jwk_of(openssl_rsa().get());
  return jwk;
}

const json& ec_jwk() {
  static const json jwk = support::private_jwk_of(openssl_ec("P-256").get());
  return jwk;
}

/// The error of an import that must fail (400 BadParameter unless stated).
core::ApiError import_error(const json& jwk, bool hsm = false, bool premium = false) {
  auto r = KeyMaterial::import_jwk(jwk, hsm, premium);
  if (r) ADD_FAILURE() << "import succeeded: " << jwk.dump().substr(0, 80);
  return r ? core::ApiError{} : r.error();
}

bool verifies_with_openssl(EVP_PKEY* key, const std::string& alg, const std::string& d,
                           const std::string& sig) {
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  EVP_PKEY_verify_init(ctx.get());
  if (alg == "PS256") {
    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256());
    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST);
  }
  return EVP_PKEY_verify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char*>(d.data()), d.size()) == 1;
}

TEST(JwkImport, RsaKeyFromOpenSsl) {
  ossl::PkeyPtr original = openssl_rsa();
  const json jwk = support::private_jwk_of(original.get());
  auto key = KeyMaterial::import_jwk(jwk, false, false);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->kty(), "RSA");
  EXPECT_EQ(key->bits(), 2048);
  EXPECT_EQ(key->public_jwk(), (json{{"kty", "RSA"}, {"n", jwk["n"]}, {"e", jwk["e"]}}));
  // Signed by the imported key, verified by the OpenSSL original.
  const std::string d = digest("SHA256", "imported");
  auto sig = key->sign("PS256", d);
  ASSERT_TRUE(sig);
  EXPECT_TRUE(verifies_with_openssl(original.get(), "PS256", d, *sig));
}

TEST(JwkImport, EcKeyFromOpenSslEveryCurve) {
  const std::pair<const char*, const char*> curves[] = {
      {"P-256", "ES256"}, {"P-384", "ES384"}, {"P-521", "ES512"}, {"secp256k1", "ES256K"}};
  for (auto [group, alg] : curves) {
    ossl::PkeyPtr original = openssl_ec(group);
    const json jwk = support::private_jwk_of(original.get());
    auto key = KeyMaterial::import_jwk(jwk, false, false);
    ASSERT_TRUE(key) << group << ": " << key.error().message;
    json expected = jwk;
    expected.erase("d");
    EXPECT_EQ(key->public_jwk(), expected);
    const std::string d = digest(support::hash_for(alg), "imported");
    auto sig = key->sign(alg, d);
    ASSERT_TRUE(sig);
    auto der = ec::raw_to_der(*sig, sig->size() / 2);
    ASSERT_TRUE(der);
    EXPECT_TRUE(verifies_with_openssl(original.get(), alg, d, *der)) << group;
  }
}

TEST(JwkImport, HsmFlagAndKtyNeedPremium) {
  EXPECT_EQ(import_error(rsa_jwk(), true, false).message,
            "Hardware key operation not allowed on standard vault");
  json hsm_kty = ec_jwk();
  hsm_kty["kty"] = "EC-HSM";
  EXPECT_EQ(import_error(hsm_kty, false, false).status, 403u);
  auto rsa = KeyMaterial::import_jwk(rsa_jwk(), true, true);
  ASSERT_TRUE(rsa);
  EXPECT_EQ(rsa->kty(), "RSA-HSM");
  auto ec = KeyMaterial::import_jwk(hsm_kty, false, true);
  ASSERT_TRUE(ec);
  EXPECT_EQ(ec->kty(), "EC-HSM");
  EXPECT_EQ(ec->public_jwk().at("kty"), "EC-HSM");
}

TEST(JwkImport, PublicJwkNeverCarriesPrivateMembers) {
  auto key = KeyMaterial::import_jwk(rsa_jwk(), false, false);
  ASSERT_TRUE(key);
  for (const char* m : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
    EXPECT_FALSE(key->public_jwk().contains(m)) << m;
  }
}

TEST(JwkImport, MissingMembers) {
  for (const char* m : {"kty", "n", "e", "d", "p", "q", "dp", "dq", "qi"}) {
    json jwk = rsa_jwk();
    jwk.erase(m);
    auto e = import_error(jwk);
    EXPECT_EQ(e.status, 400u) << m;
    EXPECT_EQ(e.code, "BadParameter");
    EXPECT_EQ(e.message, std::string("Property '") + m + "' is required.\r\n");
  }
  for (const char* m : {"crv", "x", "y", "d"}) {
    json jwk = ec_jwk();
    jwk[m] = nullptr;
    EXPECT_EQ(import_error(jwk).message, std::string("Property '") + m + "' is required.\r\n");
  }
  EXPECT_EQ(import_error(json::array()).message, "Property 'key' is required.\r\n");
  EXPECT_EQ(import_error(json("RSA")).code, "BadParameter");
}

TEST(JwkImport, BadBase64Url) {
  for (const json& bad : {json("AQ*B"), json("A"), json(42), json::object()}) {
    json jwk = rsa_jwk();
    jwk["n"] = bad;
    EXPECT_EQ(import_error(jwk).message, "Content of 'n' is not base64url.\r\n") << bad.dump();
  }
  json jwk = ec_jwk();
  jwk["x"] = "a+b/";
  EXPECT_EQ(import_error(jwk).message, "Content of 'x' is not base64url.\r\n");
}

TEST(JwkImport, MismatchedPrivateKeyIsRefused) {
  const json other_rsa = support::private_jwk_of(openssl_rsa().get());
  json rsa = rsa_jwk();
  rsa["d"] = other_rsa["d"];
  EXPECT_EQ(import_error(rsa).message,
            "Invalid JsonWebKey: the private key does not match the public key.");
  rsa = rsa_jwk();
  rsa["qi"] = other_rsa["qi"];  // an inconsistent CRT member is caught too
  EXPECT_EQ(import_error(rsa).code, "BadParameter");
  rsa = rsa_jwk();
  rsa["e"] = "Aw";  // e = 3 with the original d
  EXPECT_EQ(import_error(rsa).code, "BadParameter");

  const json other_ec = support::private_jwk_of(openssl_ec("P-256").get());
  json ec = ec_jwk();
  ec["d"] = other_ec["d"];
  EXPECT_EQ(import_error(ec).message,
            "Invalid JsonWebKey: the private key does not match the public key.");
}

TEST(JwkImport, StructurallyInvalidKeys) {
  json off_curve = ec_jwk();
  std::string y = support::b64url_decode(off_curve["y"].get<std::string>());
  y.back() ^= 1;
  off_curve["y"] = core::base64url_encode(y);
  auto e = import_error(off_curve);
  EXPECT_EQ(e.code, "BadParameter");
  EXPECT_EQ(e.message, "Invalid JsonWebKey: the members do not form a valid EC key.");

  json long_x = ec_jwk();
  long_x["x"] = core::base64url_encode(std::string(33, '\x01'));
  EXPECT_EQ(import_error(long_x).message, "Invalid JsonWebKey: 'x' is too long for the key.");

  json wrong_curve = ec_jwk();
  wrong_curve["crv"] = "P-384";  // 32-byte coordinates are a point of no P-384 key here
  EXPECT_EQ(import_error(wrong_curve).code, "BadParameter");
  wrong_curve["crv"] = "P-192";
  EXPECT_EQ(import_error(wrong_curve).message, "Invalid crv value: P-192");

  json zero_n = rsa_jwk();
  zero_n["n"] = "AA";
  EXPECT_EQ(import_error(zero_n).code, "BadParameter");
  json huge_n = rsa_jwk();
  huge_n["n"] = core::base64url_encode(std::string(513, '\x7f'));
  EXPECT_EQ(import_error(huge_n).message, "Invalid JsonWebKey: 'n' is too long for the key.");
}

TEST(JwkImport, ShortCoordinatesArePadded) {
  // Find a P-256 key whose x has a leading zero byte, and send x without it.
  for (int i = 0; i < 2000; ++i) {
    json jwk = support::private_jwk_of(openssl_ec("P-256").get());
    const std::string x = support::b64url_decode(jwk["x"].get<std::string>());
    if (x[0] != '\0') continue;
    json stripped = jwk;
    stripped["x"] = core::base64url_encode(x.substr(1));
    auto key = KeyMaterial::import_jwk(stripped, false, false);
    ASSERT_TRUE(key) << key.error().message;
    EXPECT_EQ(key->public_jwk().at("x"), jwk["x"]) << "re-padded to 32 bytes";
    return;
  }
  GTEST_SKIP() << "no key with a leading zero in 2000 tries";
}

TEST(JwkImport, KtyRules) {
  json oct{{"kty", "oct"}, {"k", "AAAA"}};
  auto e = import_error(oct);
  EXPECT_EQ(e.message, "Invalid kty value: oct");
  EXPECT_EQ(e.inner_code, "KeyTypeNotSupported");
  oct["kty"] = "oct-HSM";
  EXPECT_EQ(import_error(oct, false, true).message, "Invalid kty value: oct-HSM");
  json unknown = rsa_jwk();
  unknown["kty"] = "OKP";
  EXPECT_EQ(import_error(unknown).message, "Invalid kty value: OKP");
  json byok{{"kty", "RSA-HSM"}, {"key_hsm", "AAAA"}};
  EXPECT_EQ(import_error(byok, true, true).code, "BadParameter");
  json rsa_with_ec_members = ec_jwk();
  rsa_with_ec_members["kty"] = "RSA";
  EXPECT_EQ(import_error(rsa_with_ec_members).message, "Property 'n' is required.\r\n");
}

}  // namespace
}  // namespace kmslab::keyvault::crypto
