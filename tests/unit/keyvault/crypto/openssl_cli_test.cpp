// Independent verification with the openssl command-line tool: what kmslab encrypts, signs and
// verifies must agree with `openssl pkeyutl` given only the public JWK (as PEM), and keys the
// CLI generated must import and interoperate.
#include <gtest/gtest.h>

#include "emulator/keyvault/crypto/ec_ops.hpp"
#include "emulator/keyvault/crypto/key_material.hpp"
#include "test_support.hpp"

namespace kmslab::keyvault::crypto {
namespace {

using support::digest;
using support::TempDir;

class OpensslCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!support::have_openssl_cli()) GTEST_SKIP() << "openssl CLI not installed";
  }

  /// Writes the key's public JWK as PEM, the digest and the signature; runs pkeyutl -verify.
  bool cli_verifies(const KeyMaterial& key, const std::string& d, const std::string& sig,
                    const std::string& options) {
    dir_.write("pub.pem", support::public_pem(key.public_jwk()));
    dir_.write("digest.bin", d);
    dir_.write("sig.bin", sig);
    return support::run("openssl pkeyutl -verify -pubin -inkey " + dir_.path("pub.pem") + " -in " +
                        dir_.path("digest.bin") + " -sigfile " + dir_.path("sig.bin") + " " +
                        options + " >/dev/null");
  }

  TempDir dir_;
};

constexpr const char* kPss256 =
    "-pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:digest "
    "-pkeyopt rsa_mgf1_md:sha256";

TEST_F(OpensslCli, VerifiesPs256Rs256AndEs256Signatures) {
  const std::string d = digest("SHA256", "independent");
  const KeyMaterial& rsa = support::rsa_key();
  auto ps = rsa.sign("PS256", d);
  ASSERT_TRUE(ps);
  EXPECT_TRUE(cli_verifies(rsa, d, *ps, kPss256));
  auto rs = rsa.sign("RS256", d);
  ASSERT_TRUE(rs);
  EXPECT_TRUE(cli_verifies(rsa, d, *rs, "-pkeyopt digest:sha256"));
  EXPECT_FALSE(cli_verifies(rsa, d, *rs, kPss256)) << "the CLI must notice a wrong scheme";

  for (auto [crv, alg, md] :
       {std::tuple{"P-256", "ES256", "SHA256"}, std::tuple{"P-256K", "ES256K", "SHA256"},
        std::tuple{"P-521", "ES512", "SHA512"}}) {
    const KeyMaterial& ec = support::ec_key(crv);
    const std::string ed = digest(md, "independent");
    auto raw = ec.sign(alg, ed);
    ASSERT_TRUE(raw);
    // The CLI wants DER; ec_ops' converter is itself checked against OpenSSL in the import test.
    auto der = ec::raw_to_der(*raw, raw->size() / 2);
    ASSERT_TRUE(der);
    EXPECT_TRUE(cli_verifies(ec, ed, *der, "")) << alg;
  }
}

TEST_F(OpensslCli, Rs384AndPs512Too) {
  const KeyMaterial& rsa = support::rsa_key();
  const std::string d384 = digest("SHA384", "x");
  EXPECT_TRUE(cli_verifies(rsa, d384, *rsa.sign("RS384", d384), "-pkeyopt digest:sha384"));
  const std::string d512 = digest("SHA512", "x");
  EXPECT_TRUE(cli_verifies(rsa, d512, *rsa.sign("PS512", d512),
                           "-pkeyopt digest:sha512 -pkeyopt rsa_padding_mode:pss "
                           "-pkeyopt rsa_pss_saltlen:digest -pkeyopt rsa_mgf1_md:sha512"));
}

TEST_F(OpensslCli, CiphertextsFromThePublicKeyDecrypt) {
  const KeyMaterial& rsa = support::rsa_key();
  dir_.write("pub.pem", support::public_pem(rsa.public_jwk()));
  const std::string plaintext(190, '\x42');  // the RSA-OAEP-256 maximum for 2048 bits
  dir_.write("plain.bin", plaintext);
  const std::pair<const char*, const char*> cases[] = {
      {"RSA-OAEP-256",
       "-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256"},
      {"RSA-OAEP", "-pkeyopt rsa_padding_mode:oaep"},
      {"RSA1_5", "-pkeyopt rsa_padding_mode:pkcs1"}};
  for (auto [alg, options] : cases) {
    ASSERT_TRUE(support::run("openssl pkeyutl -encrypt -pubin -inkey " + dir_.path("pub.pem") +
                             " -in " + dir_.path("plain.bin") + " -out " + dir_.path("cipher.bin") +
                             " " + options))
        << alg;
    auto back = rsa.decrypt(alg, dir_.read("cipher.bin"));
    ASSERT_TRUE(back) << alg << ": " << back.error().message;
    EXPECT_EQ(*back, plaintext) << alg;
  }
}

TEST_F(OpensslCli, CliGeneratedKeysImportAndInteroperate) {
  const std::tuple<const char*, const char*, const char*, const char*> cases[] = {
      {"-algorithm RSA -pkeyopt rsa_keygen_bits:2048", "PS256", "SHA256", kPss256},
      {"-algorithm EC -pkeyopt ec_paramgen_curve:P-384", "ES384", "SHA384", ""},
      {"-algorithm EC -pkeyopt ec_paramgen_curve:secp256k1", "ES256K", "SHA256", ""}};
  for (auto [genopts, alg, md, verify_opts] : cases) {
    ASSERT_TRUE(support::run(std::string("openssl genpkey -quiet ") + genopts + " -out " +
                             dir_.path("key.pem")));
    ossl::PkeyPtr cli_key = support::read_private_pem(dir_.read("key.pem"));
    auto key = KeyMaterial::import_jwk(support::private_jwk_of(cli_key.get()), false, false);
    ASSERT_TRUE(key) << alg << ": " << key.error().message;

    // The CLI signs with its key; kmslab verifies with the imported one.
    const std::string d = digest(md, "cli");
    dir_.write("digest.bin", d);
    ASSERT_TRUE(support::run("openssl pkeyutl -sign -inkey " + dir_.path("key.pem") + " -in " +
                             dir_.path("digest.bin") + " -out " + dir_.path("cli.sig") + " " +
                             verify_opts));
    std::string cli_sig = dir_.read("cli.sig");
    const bool is_ec = std::string(alg).starts_with("ES");
    if (is_ec) {
      const size_t half = key->public_jwk().at("crv") == "P-384" ? 48 : 32;
      auto raw = ec::der_to_raw(cli_sig, half);
      ASSERT_TRUE(raw);
      cli_sig = *raw;
    }
    EXPECT_TRUE(*key->verify(alg, d, cli_sig)) << alg;

    // kmslab signs with the imported key; the CLI verifies against the imported key's JWK.
    auto ours = key->sign(alg, d);
    ASSERT_TRUE(ours);
    const std::string wire = is_ec ? *ec::raw_to_der(*ours, ours->size() / 2) : *ours;
    EXPECT_TRUE(cli_verifies(*key, d, wire, verify_opts)) << alg;
  }
}

}  // namespace
}  // namespace kmslab::keyvault::crypto
