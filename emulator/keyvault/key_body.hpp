#pragma once
// Reading the JSON bodies of key requests: names, key_ops, attributes, tags. Each reader either
// fills its output or returns the ApiError the real service gives for that mistake.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/api_error.hpp"
#include "emulator/core/http.hpp"
#include "emulator/keyvault/crypto/key_material.hpp"
#include "emulator/keyvault/key_record.hpp"

namespace kmslab::keyvault {

/// KeyCreateParameters' key fields (kty required; key_size, public_exponent, crv typed).
core::Result<crypto::KeyParams> read_key_params(const nlohmann::json& body);

/// Key names: 1-127 characters of 0-9, a-z, A-Z and '-'.
bool is_valid_key_name(const std::string& name);

std::optional<core::ApiError> read_key_ops(const nlohmann::json& body,
                                           std::optional<std::vector<std::string>>& out);
/// Applies body["attributes"] (enabled, nbf, exp; read-only members are ignored as Azure does).
/// nbf and exp must be non-negative and nbf before exp (messages unverified).
std::optional<core::ApiError> read_attributes(const nlohmann::json& body, KeyAttributes& out);
/// body["release_policy"]: {"data": base64url JSON policy, "contentType"?, "immutable"?}. The
/// policy is stored re-serialised in the service's member order (version, anyOf/allOf,
/// authority, claim, equals), contentType defaulted, immutable false unless given.
std::optional<core::ApiError> read_release_policy(const nlohmann::json& body,
                                                  std::optional<nlohmann::json>& out);
/// Key Vault's Secure Key Release rules for a new version (create, import): exportable needs a
/// policy and the policy needs exportable, an HSM key type, a Premium vault and api 7.3+.
std::optional<core::ApiError> check_release(const KeyVersion& v, const std::string& api_version,
                                            bool premium);
std::optional<core::ApiError> read_tags(const nlohmann::json& body,
                                        std::optional<nlohmann::json>& out);
/// A required base64url member of a crypto request ("value", "digest").
std::optional<core::ApiError> read_base64url(const nlohmann::json& body, const char* member,
                                             std::string& out);
/// The key's size for throttling: RSA modulus bits, EC curve bits.
int key_bits(const nlohmann::json& public_jwk);

}  // namespace kmslab::keyvault
