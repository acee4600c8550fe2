// Where the service's own words were found (reference/keyvault.md §2-§4): "Invalid kty value:
// oct" with inner KeyTypeNotSupported (captured, azure-sdk-for-js#26212, azure-sdk-for-java#31588);
// "Invalid length of 'value': 44 bytes. ES256 requires 32 bytes, encoded with base64url."
// (azure-sdk-for-python#4399); "Content of 'value' is not base64url.\r\nProperty 'value' is
// required.\r\n" (bruj0/vault-recovery-key#20). The other factories' wording is modelled on those
// and unverified: no SDK session record holds them.
#include "emulator/keyvault/crypto/crypto_errors.hpp"

namespace kmslab::keyvault::crypto::errors {
namespace {

core::ApiError bad_parameter(std::string message) {
  return {400, "BadParameter", std::move(message), std::nullopt, {}};
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

constexpr std::string_view kKeyNamed = " are incompatible. Key ";

}  // namespace

core::ApiError key_type_not_supported(std::string_view kty) {
  core::ApiError e = invalid_kty(kty);
  e.inner_code = "KeyTypeNotSupported";
  return e;
}

core::ApiError invalid_kty(std::string_view kty) {
  return bad_parameter("Invalid kty value: " + std::string(kty));
}

core::ApiError hsm_requires_premium() {
  return {
      403, "Forbidden", "Hardware key operation not allowed on standard vault", std::nullopt, {}};
}

core::ApiError unsupported_key_size(int64_t size) {
  return bad_parameter("Unsupported key size (" + std::to_string(size) +
                       "). Supported sizes are [2048, 3072, 4096]");
}

core::ApiError unsupported_public_exponent(int64_t exponent) {
  return bad_parameter("Unsupported public exponent (" + std::to_string(exponent) +
                       "). Supported values are [65537]");
}

core::ApiError invalid_curve(std::string_view crv) {
  return bad_parameter("Invalid crv value: " + std::string(crv));
}

core::ApiError invalid_algorithm(std::string_view alg) {
  return bad_parameter("Invalid alg value: " + std::string(alg));
}

core::ApiError incompatible_key_type(std::string_view operation, std::string_view kty,
                                     std::string_view alg, std::string_view required_kty) {
  return bad_parameter("Key and " + std::string(operation) + " algorithm" + std::string(kKeyNamed) +
                       "uses key type " + quoted(kty) + ", and algorithm " + quoted(alg) +
                       " can only be used with key type " + quoted(required_kty) + ".");
}

core::ApiError incompatible_curve(std::string_view crv, std::string_view alg,
                                  std::string_view required_crv) {
  return bad_parameter("Key and signing algorithm" + std::string(kKeyNamed) + "uses curve " +
                       quoted(crv) + ", and algorithm " + quoted(alg) +
                       " can only be used with curve " + quoted(required_crv) + ".");
}

core::ApiError invalid_length(std::string_view field, size_t actual, std::string_view alg,
                              size_t required) {
  return bad_parameter("Invalid length of " + quoted(field) + ": " + std::to_string(actual) +
                       " bytes. " + std::string(alg) + " requires " + std::to_string(required) +
                       " bytes, encoded with base64url.");
}

core::ApiError value_too_long(std::string_view field, size_t actual, std::string_view alg,
                              int key_bits, size_t maximum) {
  return bad_parameter("Invalid length of " + quoted(field) + ": " + std::to_string(actual) +
                       " bytes. " + std::string(alg) + " with a " + std::to_string(key_bits) +
                       "-bit key allows at most " + std::to_string(maximum) +
                       " bytes, encoded with base64url.");
}

core::ApiError padding_check_failed(std::string_view padding) {
  return bad_parameter("Error occurred while decoding " + std::string(padding) + " padding.");
}

core::ApiError jwk_member_required(std::string_view member) {
  return bad_parameter("Property " + quoted(member) + " is required.\r\n");
}

core::ApiError jwk_member_not_base64url(std::string_view member) {
  return bad_parameter("Content of " + quoted(member) + " is not base64url.\r\n");
}

core::ApiError jwk_invalid(std::string_view detail) {
  return bad_parameter("Invalid JsonWebKey: " + std::string(detail));
}

core::ApiError jwk_key_mismatch() {
  return jwk_invalid("the private key does not match the public key.");
}

core::ApiError byok_not_supported() {
  return bad_parameter(
      "Importing a key_hsm (BYOK) transfer blob is not supported by this emulator; import the "
      "key's private members instead.");
}

core::ApiError with_key_id(core::ApiError error, std::string_view kid) {
  const size_t at = error.message.find(kKeyNamed);
  if (at != std::string::npos && error.message.starts_with("Key and ") && !kid.empty()) {
    error.message.insert(at + kKeyNamed.size(), std::string(kid) + " ");
  }
  return error;
}

}  // namespace kmslab::keyvault::crypto::errors
