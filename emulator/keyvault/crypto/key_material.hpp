#pragma once
// The private half of a Key Vault key and every cryptographic operation on it (OpenSSL 3).
// Key Vault's rules live here: which key types a vault accepts, which algorithms go with which
// key, digest and plaintext lengths, and the real error messages when a request breaks them.
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/http.hpp"

namespace kmslab::keyvault::crypto {

/// KeyCreateParameters' key fields, as sent (absent fields are nullopt).
struct KeyParams {
  std::string kty;                         // RSA | RSA-HSM | EC | EC-HSM (oct* are refused)
  std::optional<int64_t> key_size;         // RSA: 2048 (default) | 3072 | 4096
  std::optional<int64_t> public_exponent;  // RSA: 65537 (default)
  std::optional<std::string> crv;          // EC: P-256 (default) | P-384 | P-521 | P-256K
};

class KeyMaterial {
 public:
  /// Generates a new key. `premium` is the vault SKU: HSM key types need it.
  static core::Result<KeyMaterial> generate(const KeyParams& params, bool premium);
  /// Imports a JsonWebKey with its private parts (KeyImportParameters.key); `hsm` is the
  /// request's "Hsm" flag.
  static core::Result<KeyMaterial> import_jwk(const nlohmann::json& jwk, bool hsm, bool premium);
  /// The form kept in the store (never logged, never sent to clients); restores exactly.
  std::string serialize() const;
  /// Throws std::runtime_error on data that serialize() did not produce.
  static KeyMaterial deserialize(std::string_view stored);

  /// "RSA", "RSA-HSM", "EC" or "EC-HSM".
  const std::string& kty() const;
  /// RSA modulus bits, or the EC curve's field size.
  int bits() const;
  /// The public JsonWebKey members: {"kty","n","e"} or {"kty","crv","x","y"} (base64url, no
  /// padding, no leading zero bytes in n/e; x/y padded to the curve size).
  nlohmann::json public_jwk() const;
  /// What key_ops a key gets when the request names none.
  std::vector<std::string> default_key_ops() const;

  /// encrypt and wrapKey (same primitive for RSA keys on a vault).
  core::Result<std::string> encrypt(std::string_view alg, std::string_view plaintext) const;
  /// decrypt and unwrapKey.
  core::Result<std::string> decrypt(std::string_view alg, std::string_view ciphertext) const;
  /// Signs a digest the client computed (RS*/PS* build the DigestInfo themselves; RSNULL takes
  /// it as given). EC signatures are JWS-style R||S, each padded to the curve size.
  core::Result<std::string> sign(std::string_view alg, std::string_view digest) const;
  core::Result<bool> verify(std::string_view alg, std::string_view digest,
                            std::string_view signature) const;

  KeyMaterial(KeyMaterial&&) noexcept;
  KeyMaterial& operator=(KeyMaterial&&) noexcept;
  ~KeyMaterial();

 private:
  struct State;
  explicit KeyMaterial(std::shared_ptr<const State> state);
  std::shared_ptr<const State> state_;
};

}  // namespace kmslab::keyvault::crypto
