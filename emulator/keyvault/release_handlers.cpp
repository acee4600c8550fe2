// Secure key release: POST /keys/{name}/{version}/release with KeyReleaseParameters
// {"target": <attestation token>, "nonce"?, "enc"?} (reference keyvault.md §2, SPEC75). The real
// service verifies the target token against the attestation authority the key's release policy
// names, then answers a JWS that wraps the key (recorded-keyvault.md §7). kmslab has no
// attestation service, so a release that passes every other check gets the service's answer
// for an authority it cannot reach.
#include <set>

#include "emulator/core/base64url.hpp"
#include "emulator/core/json_input.hpp"
#include "emulator/keyvault/call.hpp"
#include "emulator/keyvault/errors.hpp"

namespace kmslab::keyvault {

using core::Reply;
using core::Result;

namespace {

// JsonWebKeyEncryptionAlgorithm of KeyReleaseParameters.enc [V] SPEC75.
const std::set<std::string> kReleaseEnc = {"CKM_RSA_AES_KEY_WRAP", "RSA_AES_KEY_WRAP_256",
                                           "RSA_AES_KEY_WRAP_384"};

std::optional<core::ApiError> check_release_parameters(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("target") || body["target"].is_null()) {
    return errors::property_required("target");
  }
  if (!body["target"].is_string() || body["target"].get<std::string>().empty()) {
    return errors::bad_parameter("Property 'target' must be a non-empty string.");
  }
  if (body.contains("nonce") && !body["nonce"].is_null() && !body["nonce"].is_string()) {
    return errors::bad_parameter("Property 'nonce' must be a string.");
  }
  if (body.contains("enc") && !body["enc"].is_null()) {
    if (!body["enc"].is_string() || !kReleaseEnc.count(body["enc"].get<std::string>())) {
      return errors::bad_parameter("Invalid enc value: " + body["enc"].dump() + ".");
    }
  }
  return std::nullopt;
}

/// The first attestation authority the stored policy names (anyOf[].authority, at any depth).
std::string authority_of(const nlohmann::json& policy) {
  if (policy.is_object()) {
    if (policy.contains("authority") && policy["authority"].is_string()) {
      return policy["authority"].get<std::string>();
    }
    for (const auto& [k, v] : policy.items()) {
      if (auto a = authority_of(v); !a.empty()) return a;
    }
  } else if (policy.is_array()) {
    for (const auto& v : policy) {
      if (auto a = authority_of(v); !a.empty()) return a;
    }
  }
  return "";
}

}  // namespace

Result<Reply> KeyVaultService::release_key(Call& call) {
  if (auto e = check_release_parameters(call.body)) return *e;
  auto v = live_version(call, call.ctx.param("version"));
  if (!v) return v.error();
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kOther,
                               v->public_jwk.value("kty", ""), 0)) {
    return *e;
  }
  if (!v->attributes.enabled) return errors::key_disabled("release");
  if (!v->attributes.exportable || !v->release_policy) return errors::key_not_exportable(v->name);
  const auto data = core::base64url_decode(v->release_policy->value("data", ""));
  const auto policy = data ? core::parse_untrusted_json(*data) : nlohmann::json();
  return errors::attestation_unreachable(authority_of(policy));
}

}  // namespace kmslab::keyvault
