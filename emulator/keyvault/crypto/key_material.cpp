#include "emulator/keyvault/crypto/key_material.hpp"

#include <openssl/core_names.h>

#include <stdexcept>

#include "emulator/core/base64url.hpp"
#include "emulator/keyvault/crypto/algorithms.hpp"
#include "emulator/keyvault/crypto/crypto_errors.hpp"
#include "emulator/keyvault/crypto/curves.hpp"
#include "emulator/keyvault/crypto/ec_ops.hpp"
#include "emulator/keyvault/crypto/jwk.hpp"
#include "emulator/keyvault/crypto/openssl_util.hpp"
#include "emulator/keyvault/crypto/rsa_ops.hpp"

namespace kmslab::keyvault::crypto {
namespace {

using core::Result;
using nlohmann::json;

constexpr std::string_view kSerialPrefix = "v1:";

/// Everything known about a key; immutable once built, shared by every copy of the handle.
struct KeyState {
  std::string kty;          // RSA | RSA-HSM | EC | EC-HSM
  std::string_view family;  // RSA | EC
  ossl::PkeyPtr pkey;
  const Curve* curve = nullptr;  // EC only
  int bits = 0;
  json public_jwk;
};

struct KtyInfo {
  std::string_view family;
  bool hsm = false;
};

Result<KtyInfo> parse_kty(std::string_view kty) {
  if (kty == "RSA") return KtyInfo{"RSA", false};
  if (kty == "RSA-HSM") return KtyInfo{"RSA", true};
  if (kty == "EC") return KtyInfo{"EC", false};
  if (kty == "EC-HSM") return KtyInfo{"EC", true};
  // Symmetric keys exist only in Managed HSM; a vault refuses them by name.
  if (kty == "oct" || kty == "oct-HSM") return errors::key_type_not_supported(kty);
  return errors::invalid_kty(kty);
}

std::string kty_name(std::string_view family, bool hsm) {
  return std::string(family) + (hsm ? "-HSM" : "");
}

bool supported_rsa_bits(int64_t bits) {
  return bits == 2048 || bits == 3072 || bits == 4096;
}

std::string group_name(const EVP_PKEY* key) {
  char name[80];
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) !=
      1) {
    ossl::fail("EC key without a named group");
  }
  return std::string(name, len);
}

/// Wraps an OpenSSL key, or says why a vault would not hold it (size, curve, type).
Result<KeyState> make_state(std::string kty, std::string_view family, ossl::PkeyPtr pkey) {
  KeyState s{std::move(kty), family, std::move(pkey), nullptr, 0, {}};
  if (!EVP_PKEY_is_a(s.pkey.get(), std::string(family).c_str())) {
    return errors::jwk_invalid("the key is not an " + std::string(family) + " key.");
  }
  if (family == "RSA") {
    s.bits = EVP_PKEY_get_bits(s.pkey.get());
    if (!supported_rsa_bits(s.bits)) return errors::unsupported_key_size(s.bits);
    s.public_jwk = jwk::rsa_public_members(s.pkey.get());
  } else {
    const std::string group = group_name(s.pkey.get());
    s.curve = find_curve_by_group(group);
    if (!s.curve) return errors::invalid_curve(group);
    s.bits = s.curve->bits;
    s.public_jwk = jwk::ec_public_members(s.pkey.get(), *s.curve);
  }
  s.public_jwk["kty"] = s.kty;
  return s;
}

ossl::PkeyPtr keygen_rsa(int64_t bits) {
  // EVP_PKEY_Q_keygen's RSA form takes a size_t and uses e = 65537.
  ossl::PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
  if (!key) ossl::fail("RSA key generation");
  return key;
}

ossl::PkeyPtr keygen_ec(const Curve& curve) {
  ossl::PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve.group.data()));
  if (!key) ossl::fail("EC key generation");
  return key;
}

/// RSA: key_size and public_exponent matter, crv is ignored. EC: crv matters; key_size and
/// public_exponent are ignored (old SDKs send key_size 256 with EC keys).
Result<ossl::PkeyPtr> keygen(const KtyInfo& info, const KeyParams& params) {
  if (info.family == "RSA") {
    const int64_t bits = params.key_size.value_or(2048);
    if (!supported_rsa_bits(bits)) return errors::unsupported_key_size(bits);
    const int64_t exponent = params.public_exponent.value_or(65537);
    if (exponent != 65537) return errors::unsupported_public_exponent(exponent);
    return keygen_rsa(bits);
  }
  const std::string crv = params.crv.value_or("P-256");
  const Curve* curve = find_curve(crv);
  if (!curve) return errors::invalid_curve(crv);
  return keygen_ec(*curve);
}

/// The imported key's type: the JWK's kty, made -HSM when the request's Hsm flag asks for it.
Result<KtyInfo> import_kty(const json& jwk, bool hsm, bool premium) {
  auto it = jwk.find("kty");
  if (it == jwk.end() || it->is_null()) return errors::jwk_member_required("kty");
  if (!it->is_string()) return errors::invalid_kty(it->dump());
  Result<KtyInfo> info = parse_kty(it->get_ref<const std::string&>());
  if (!info) return info;
  info->hsm = info->hsm || hsm;
  if (info->hsm && !premium) return errors::hsm_requires_premium();
  return info;
}

// PKCS#8 (PrivateKeyInfo) DER: the standard container for either key type.
std::string to_pkcs8(EVP_PKEY* key) {
  ossl::EncoderCtxPtr ctx(
      OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr));
  unsigned char* data = nullptr;
  size_t len = 0;
  if (!ctx || OSSL_ENCODER_to_data(ctx.get(), &data, &len) != 1) ossl::fail("PKCS#8 encoding");
  std::string der(reinterpret_cast<const char*>(data), len);
  OPENSSL_clear_free(data, len);
  return der;
}

ossl::PkeyPtr from_pkcs8(std::string_view der, std::string_view family) {
  EVP_PKEY* raw = nullptr;
  const std::string type(family);
  ossl::DecoderCtxPtr ctx(OSSL_DECODER_CTX_new_for_pkey(&raw, "DER", "PrivateKeyInfo", type.c_str(),
                                                        EVP_PKEY_KEYPAIR, nullptr, nullptr));
  if (!ctx) ossl::fail("OSSL_DECODER_CTX_new_for_pkey");
  const auto* data = reinterpret_cast<const unsigned char*>(der.data());
  size_t left = der.size();
  const bool ok = OSSL_DECODER_from_data(ctx.get(), &data, &left) == 1;
  ossl::PkeyPtr key(raw);
  if (!ok || !key || left != 0) {
    ossl::clear_errors();
    throw std::runtime_error("stored key material: not a PKCS#8 " + type + " private key");
  }
  return key;
}

const char* operation_noun(Usage usage) {
  return usage == Usage::kSignature ? "signing" : "encryption";
}

}  // namespace

struct KeyMaterial::State : KeyState {};

namespace {

/// The algorithm, once it is known for the operation and fits this key's type and curve.
Result<const Algorithm*> resolve(const KeyState& key, std::string_view name, Usage usage) {
  const Algorithm* alg = find_algorithm(name, usage);
  if (!alg) return errors::invalid_algorithm(name);
  const std::string_view family = required_key_family(*alg);
  if (family != key.family) {
    return errors::incompatible_key_type(operation_noun(usage), key.kty, name, family);
  }
  // Checked before the digest length: the real service reports a curve mismatch first.
  if (!alg->curve.empty() && alg->curve != key.curve->crv) {
    return errors::incompatible_curve(key.curve->crv, name, alg->curve);
  }
  return alg;
}

/// Sign/verify inputs with a fixed digest size (RS*, PS*, ES*); `field` is the request member.
std::optional<core::ApiError> check_digest(const Algorithm& alg, std::string_view field,
                                           std::string_view digest) {
  if (alg.digest_bytes == 0 || digest.size() == alg.digest_bytes) return std::nullopt;
  return errors::invalid_length(field, digest.size(), alg.name, alg.digest_bytes);
}

}  // namespace

KeyMaterial::KeyMaterial(std::shared_ptr<const State> state) : state_(std::move(state)) {}
KeyMaterial::KeyMaterial(KeyMaterial&&) noexcept = default;
KeyMaterial& KeyMaterial::operator=(KeyMaterial&&) noexcept = default;
KeyMaterial::~KeyMaterial() = default;

Result<KeyMaterial> KeyMaterial::generate(const KeyParams& params, bool premium) {
  Result<KtyInfo> info = parse_kty(params.kty);
  if (!info) return info.error();
  if (info->hsm && !premium) return errors::hsm_requires_premium();
  Result<ossl::PkeyPtr> pkey = keygen(*info, params);
  if (!pkey) return pkey.error();
  Result<KeyState> state = make_state(params.kty, info->family, std::move(*pkey));
  if (!state) return state.error();
  return KeyMaterial(std::make_shared<const State>(State{std::move(*state)}));
}

Result<KeyMaterial> KeyMaterial::import_jwk(const json& jwk, bool hsm, bool premium) {
  if (!jwk.is_object()) return errors::jwk_member_required("key");
  if (auto blob = jwk.find("key_hsm"); blob != jwk.end() && !blob->is_null()) {
    return errors::byok_not_supported();
  }
  Result<KtyInfo> info = import_kty(jwk, hsm, premium);
  if (!info) return info.error();
  Result<ossl::PkeyPtr> pkey =
      info->family == "RSA" ? jwk::rsa_from_jwk(jwk) : jwk::ec_from_jwk(jwk);
  if (!pkey) return pkey.error();
  Result<KeyState> state =
      make_state(kty_name(info->family, info->hsm), info->family, std::move(*pkey));
  if (!state) return state.error();
  return KeyMaterial(std::make_shared<const State>(State{std::move(*state)}));
}

std::string KeyMaterial::serialize() const {
  return std::string(kSerialPrefix) + state_->kty + ":" +
         core::base64url_encode(to_pkcs8(state_->pkey.get()));
}

KeyMaterial KeyMaterial::deserialize(std::string_view stored) {
  if (!stored.starts_with(kSerialPrefix)) throw std::runtime_error("stored key material: bad tag");
  stored.remove_prefix(kSerialPrefix.size());
  const size_t colon = stored.find(':');
  if (colon == std::string_view::npos) throw std::runtime_error("stored key material: no kty");
  const std::string kty(stored.substr(0, colon));
  Result<KtyInfo> info = parse_kty(kty);
  if (!info) throw std::runtime_error("stored key material: bad kty");
  std::optional<std::string> der = core::base64url_decode(stored.substr(colon + 1));
  if (!der) throw std::runtime_error("stored key material: not base64url");
  Result<KeyState> state = make_state(kty, info->family, from_pkcs8(*der, info->family));
  if (!state) throw std::runtime_error("stored key material: " + state.error().message);
  return KeyMaterial(std::make_shared<const State>(State{std::move(*state)}));
}

const std::string& KeyMaterial::kty() const {
  return state_->kty;
}

int KeyMaterial::bits() const {
  return state_->bits;
}

json KeyMaterial::public_jwk() const {
  return state_->public_jwk;
}

std::vector<std::string> KeyMaterial::default_key_ops() const {
  if (state_->family == "EC") return {"sign", "verify"};
  return {"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"};
}

Result<std::string> KeyMaterial::encrypt(std::string_view alg, std::string_view plaintext) const {
  Result<const Algorithm*> a = resolve(*state_, alg, Usage::kEncryption);
  if (!a) return a.error();
  return rsa::encrypt(state_->pkey.get(), **a, plaintext);
}

Result<std::string> KeyMaterial::decrypt(std::string_view alg, std::string_view ciphertext) const {
  Result<const Algorithm*> a = resolve(*state_, alg, Usage::kEncryption);
  if (!a) return a.error();
  return rsa::decrypt(state_->pkey.get(), **a, ciphertext);
}

Result<std::string> KeyMaterial::sign(std::string_view alg, std::string_view digest) const {
  Result<const Algorithm*> a = resolve(*state_, alg, Usage::kSignature);
  if (!a) return a.error();
  if (auto error = check_digest(**a, "value", digest)) return std::move(*error);
  if (state_->family == "EC") return ec::sign(state_->pkey.get(), *state_->curve, digest);
  return rsa::sign(state_->pkey.get(), **a, digest);
}

Result<bool> KeyMaterial::verify(std::string_view alg, std::string_view digest,
                                 std::string_view signature) const {
  Result<const Algorithm*> a = resolve(*state_, alg, Usage::kSignature);
  if (!a) return a.error();
  if (auto error = check_digest(**a, "digest", digest)) return std::move(*error);
  if (state_->family == "EC")
    return ec::verify(state_->pkey.get(), *state_->curve, digest, signature);
  return rsa::verify(state_->pkey.get(), **a, digest, signature);
}

}  // namespace kmslab::keyvault::crypto
