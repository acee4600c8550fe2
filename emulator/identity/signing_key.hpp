#pragma once
// The tenant token-signing key: one RSA-2048 key pair that signs every access token the emulated
// Entra ID issues and that the data planes verify tokens with. It is generated once and kept in
// the store, so tokens issued before a restart still verify after it.
#include <openssl/types.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/store/store.hpp"

namespace kmslab::identity {

class SigningKey {
 public:
  /// The store key the key pair is persisted under.
  static constexpr const char* kStoreKey = "/identity/signing-key";

  /// A fresh RSA-2048 key pair. Throws std::runtime_error if OpenSSL fails.
  static SigningKey generate();
  /// Loads the key from the store, or generates and persists one if there is none. Two
  /// processes racing on an empty store end up with the same key (the first write wins). Throws
  /// store::StoreError, or std::runtime_error if the stored record is corrupt.
  static SigningKey load_or_create(store::Store& store);
  /// Parses the stored record ({"kid", "pkcs8_pem"}); nullopt when it is not one.
  static std::optional<SigningKey> from_record(std::string_view record);

  /// {"kid": ..., "pkcs8_pem": ...}: the private key, for the store only.
  std::string to_record() const;

  /// Key id: base64url of the SHA-1 of the public key (27 characters, like Entra ID's kids).
  const std::string& kid() const { return kid_; }
  /// The public key as a JWK: kty, use "sig", kid, n, e.
  nlohmann::json jwk() const;
  /// {"keys": [jwk()]}, the document served at .../discovery/v2.0/keys.
  nlohmann::json jwks() const;

  /// RSASSA-PKCS1-v1_5 with SHA-256 (JWS "RS256") over `data`: the raw signature bytes.
  std::string sign_rs256(std::string_view data) const;
  /// True when `signature` is a valid RS256 signature of `data` by this key.
  bool verify_rs256(std::string_view data, std::string_view signature) const;

 private:
  explicit SigningKey(std::shared_ptr<EVP_PKEY> key);

  std::shared_ptr<EVP_PKEY> key_;  // immutable once built; shared by copies
  std::string kid_;
};

}  // namespace kmslab::identity
