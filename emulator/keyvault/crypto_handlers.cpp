// Cryptographic operations with a vault key, in the order the service checks them: the key
// exists, is enabled, allows the operation, is inside its validity window (encrypt, wrapKey and
// sign only: decrypt, unwrapKey and verify keep working outside it), then the parameters.
#include "emulator/core/base64url.hpp"
#include "emulator/core/rng.hpp"
#include "emulator/keyvault/call.hpp"
#include "emulator/keyvault/crypto/crypto_errors.hpp"
#include "emulator/keyvault/errors.hpp"
#include "emulator/keyvault/key_body.hpp"

namespace kmslab::keyvault {

using core::ApiError;
using core::Reply;
using core::Result;

namespace {

/// URL segment -> the operation's name in key_ops and in messages.
std::string op_name(const std::string& segment) {
  if (segment == "wrapkey") return "wrapKey";
  if (segment == "unwrapkey") return "unwrapKey";
  return segment;
}

std::optional<ApiError> check_usable(const KeyVersion& v, const std::string& op, int64_t now,
                                     bool disabled_allows_public_ops) {
  // decrypt, sign and unwrapKey are refused on a disabled key [V]; the public-key operations
  // follow KeyVaultOptions::disabled_key_allows_public_ops (keyvault.md §3).
  const bool public_op = op == "encrypt" || op == "wrapKey" || op == "verify";
  if (!v.attributes.enabled && !(public_op && disabled_allows_public_ops)) {
    return errors::key_disabled(op);
  }
  if (std::find(v.key_ops.begin(), v.key_ops.end(), op) == v.key_ops.end()) {
    return errors::key_operation_forbidden(op);
  }
  if (op == "encrypt" || op == "wrapKey" || op == "sign") {
    if (v.attributes.nbf && now < *v.attributes.nbf) return errors::key_not_yet_valid(op);
    if (v.attributes.exp && now >= *v.attributes.exp) return errors::key_expired(op);
  }
  return std::nullopt;
}

}  // namespace

// Returns shared ownership: another request may evict the entry while this one still uses it.
// kmslab's own answer (no Azure service lacks its keys): the message names what is missing.
core::ApiError KeyVaultService::material_withheld(const KeyVersion& v, const std::string& effect) {
  return {403,
          "Forbidden",
          "kmslab: the private key of " + v.name + "/" + v.version +
              " was not exported with this state (incident bundle made without "
              "--include-key-material): " +
              effect + " in this replay.",
          std::string("KeyMaterialWithheld"),
          {}};
}

Result<std::shared_ptr<const crypto::KeyMaterial>> KeyVaultService::material(
    const std::string& vault, const KeyVersion& v) {
  const std::string id = core::to_lower(vault) + "/" + core::to_lower(v.name) + "/" + v.version;
  std::lock_guard l(cache_mu_);
  auto it = materials_.find(id);
  if (it == materials_.end()) {
    // A state imported from an incident bundle without --include-key-material
    // (emulator/app/incident/state_snapshot.hpp): the public half is all there is.
    if (v.material.empty()) return material_withheld(v, "operations that need it cannot run");
    // Bounded: parsed keys are a cache of the store, cheap to rebuild, and a vault that keeps
    // adding versions must not grow the process without limit (found by the soak test).
    if (materials_.size() >= kMaterialCacheSize) materials_.clear();
    auto m =
        std::make_shared<const crypto::KeyMaterial>(crypto::KeyMaterial::deserialize(v.material));
    it = materials_.emplace(id, std::move(m)).first;
  }
  return it->second;
}

void KeyVaultService::forget_materials(const std::string& vault, const std::string& name) {
  const std::string prefix = core::to_lower(vault) + "/" + core::to_lower(name) + "/";
  std::lock_guard l(cache_mu_);
  for (auto it = materials_.lower_bound(prefix);
       it != materials_.end() && it->first.starts_with(prefix);) {
    it = materials_.erase(it);
  }
}

Result<Reply> KeyVaultService::crypto_op(Call& call, const std::string& segment) {
  const std::string op = op_name(segment);
  auto v = live_version(call, call.ctx.param("version"));
  if (!v) return v.error();
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kOther,
                               v->public_jwk.value("kty", ""), key_bits(v->public_jwk))) {
    return *e;
  }
  if (auto e = check_usable(*v, op, clock_.now_unix_seconds(),
                            options_.disabled_key_allows_public_ops)) {
    return *e;
  }
  if (!call.body.is_object() || !call.body.contains("alg") || !call.body["alg"].is_string()) {
    return errors::property_required("alg");
  }
  const std::string alg = call.body["alg"].get<std::string>();
  std::string value;
  if (auto e = read_base64url(call.body, "value", value)) return *e;
  auto key = material(call.vault.name, *v);
  if (!key) return key.error();
  const std::string kid = call.wire.key_id(v->name, v->version);

  if (op == "verify") {
    std::string digest;
    if (auto e = read_base64url(call.body, "digest", digest)) return *e;
    auto ok = (*key)->verify(alg, digest, value);
    if (!ok) return crypto::errors::with_key_id(ok.error(), kid);
    return Reply::ordered(nlohmann::ordered_json{{"value", *ok}});
  }
  auto result = op == "encrypt" || op == "wrapKey" ? (*key)->encrypt(alg, value)
                : op == "sign"                     ? (*key)->sign(alg, value)
                                                   : (*key)->decrypt(alg, value);
  if (!result && v->stand_in && (op == "decrypt" || op == "unwrapKey")) {
    return material_withheld(*v, "values encrypted before the export do not decrypt");
  }
  if (!result) return crypto::errors::with_key_id(result.error(), kid);
  return Reply::ordered(
      nlohmann::ordered_json{{"kid", kid}, {"value", core::base64url_encode(*result)}});
}

Result<Reply> KeyVaultService::random_bytes(Call& call) {
  if (!call.body.is_object() || !call.body.contains("count"))
    return errors::property_required("count");
  const auto& count = call.body["count"];
  if (!count.is_number_integer() || count.get<int64_t>() < 1 || count.get<int64_t>() > 128) {
    return errors::bad_parameter("The value of 'count' must be between 1 and 128.");
  }
  std::string bytes(static_cast<size_t>(count.get<int64_t>()), '\0');
  // Callers use these as key material: OpenSSL's CSPRNG even under --seed.
  core::secure_random({reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()});
  return Reply::ordered(nlohmann::ordered_json{{"value", core::base64url_encode(bytes)}});
}

}  // namespace kmslab::keyvault
