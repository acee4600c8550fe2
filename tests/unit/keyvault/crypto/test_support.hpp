#pragma once
// Helpers shared by the Key Vault crypto tests. Deliberately independent of the module's own
// JWK code: public keys are rebuilt here with EVP_PKEY_fromdata, private JWKs are read from
// OpenSSL keys here, so a bug in jwk.cpp cannot hide itself.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "emulator/keyvault/crypto/key_material.hpp"
#include "emulator/keyvault/crypto/openssl_util.hpp"

namespace kmslab::keyvault::crypto::support {

/// One generated key per (kty, size/curve), made on first use: RSA generation is slow.
const KeyMaterial& rsa_key(int64_t bits = 2048);
const KeyMaterial& ec_key(const std::string& crv = "P-256");

/// The hash of `data` with an OpenSSL digest name ("SHA256", "SHA384", ...).
std::string digest(std::string_view md_name, std::string_view data);
/// The digest length an RS/PS/ES algorithm signs, and the hash it names.
std::string hash_for(std::string_view alg);

std::string b64url_decode(std::string_view text);
/// A public EVP_PKEY built from public_jwk() members with EVP_PKEY_fromdata.
ossl::PkeyPtr public_key_from_jwk(const nlohmann::json& jwk);
/// SubjectPublicKeyInfo PEM of that key.
std::string public_pem(const nlohmann::json& jwk);
/// PKCS#8 PEM -> key (for keys the openssl CLI generated).
ossl::PkeyPtr read_private_pem(const std::string& pem);
/// The private JsonWebKey of an OpenSSL key, read parameter by parameter.
nlohmann::json private_jwk_of(EVP_PKEY* key);

/// A private temporary directory, removed with its files.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string write(const std::string& name, std::string_view bytes) const;
  std::string read(const std::string& name) const;

 private:
  std::string dir_;
};

/// Runs a shell command (stderr to stdout's log); true when it exits 0.
bool run(const std::string& command);
bool have_openssl_cli();

}  // namespace kmslab::keyvault::crypto::support
