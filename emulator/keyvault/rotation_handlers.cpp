// Rotation: POST /keys/{name}/rotate, the rotation policy, and automatic rotation when a
// policy's trigger comes due on the virtual clock.
#include "emulator/keyvault/call.hpp"
#include "emulator/keyvault/errors.hpp"
#include "emulator/keyvault/iso_duration.hpp"
#include "emulator/keyvault/key_body.hpp"

namespace kmslab::keyvault {

using core::ApiError;
using core::Reply;
using core::Result;

namespace {

// Key Vault's minimums (reference/keyvault.md §2.4, how-to-configure-key-rotation.md): expiryTime
// at least 28 days; a trigger at least 7 days; the rotation time at least 7 days after creation
// and at least 7 days before expiry.
constexpr int64_t kMinExpiry = 28 * 86400;
constexpr int64_t kMinTrigger = 7 * 86400;

struct PolicyState {
  std::optional<int64_t> expiry;  // the policy's expiryTime, in seconds (comparisons only)
  bool has_rotate = false;
  bool has_notify = false;
};

std::optional<ApiError> check_rotation_time(bool after_create, const std::string& when,
                                            int64_t seconds, const PolicyState& policy,
                                            const std::string& expiry_text) {
  if (!policy.expiry) return std::nullopt;
  // Rotating at T after creation leaves expiry - T before expiry; at B before expiry it leaves
  // expiry - B after creation. Either gap below 7 days makes each new version due at once.
  if (*policy.expiry - seconds < kMinTrigger) {
    return errors::rotation_time_out_of_range(
        std::string(after_create ? "timeAfterCreate" : "timeBeforeExpiry") + " " + when,
        expiry_text);
  }
  return std::nullopt;
}

/// One lifetime action, validated and written as the service echoes it: the trigger's one
/// member and the action type capitalised ("rotate" -> "Rotate", C:K.RotateKey.json).
Result<nlohmann::json> read_action(const nlohmann::json& action, PolicyState& policy,
                                   const std::string& expiry_text) {
  if (!action.is_object() || !action.contains("trigger") || !action.contains("action") ||
      !action["trigger"].is_object() || !action["action"].is_object()) {
    return errors::bad_parameter("Each lifetime action needs a 'trigger' and an 'action'.");
  }
  const auto& trigger = action["trigger"];
  const bool after_create =
      trigger.contains("timeAfterCreate") && !trigger["timeAfterCreate"].is_null();
  const bool before_expiry =
      trigger.contains("timeBeforeExpiry") && !trigger["timeBeforeExpiry"].is_null();
  if (after_create == before_expiry) {
    return errors::bad_parameter(
        "A lifetime action's trigger takes exactly one of 'timeAfterCreate' and "
        "'timeBeforeExpiry'.");
  }
  const char* member = after_create ? "timeAfterCreate" : "timeBeforeExpiry";
  const auto& when = trigger[member];
  const auto d = when.is_string() ? parse_iso_duration(when.get<std::string>()) : std::nullopt;
  if (!d) return errors::bad_parameter("Invalid ISO 8601 duration in trigger: " + when.dump());
  if (d->count() < kMinTrigger) {
    return errors::bad_parameter("The rotation time must be at least 7 days (P7D).");
  }
  if (before_expiry && !policy.expiry) {
    return errors::bad_parameter("'timeBeforeExpiry' requires the policy's 'expiryTime'.");
  }
  const std::string type = core::to_lower(action["action"].value("type", ""));
  if (type != "rotate" && type != "notify") {
    return errors::bad_parameter("Action type must be Rotate or Notify.");
  }
  bool& seen = type == "rotate" ? policy.has_rotate : policy.has_notify;
  if (seen) return errors::bad_parameter("A policy has at most one Rotate and one Notify action.");
  seen = true;
  if (type == "notify" && after_create) {
    // SPEC75: timeAfterCreate "only applies to rotate".
    return errors::bad_parameter("A Notify action's trigger takes 'timeBeforeExpiry' only.");
  }
  if (type == "rotate") {
    if (auto e = check_rotation_time(after_create, when.get<std::string>(), d->count(), policy,
                                     expiry_text)) {
      return *e;
    }
  }
  return nlohmann::json{{"trigger", {{member, when}}},
                        {"action", {{"type", type == "rotate" ? "Rotate" : "Notify"}}}};
}

/// Validates a KeyRotationPolicy body and returns what is stored (lifetimeActions + expiryTime).
Result<nlohmann::json> read_policy(const nlohmann::json& body) {
  if (!body.is_object()) return errors::bad_parameter("The rotation policy must be a JSON object.");
  nlohmann::json stored = {{"lifetimeActions", nlohmann::json::array()},
                           {"attributes", nlohmann::json::object()}};
  PolicyState policy;
  std::string expiry_text;
  if (body.contains("attributes") && !body["attributes"].is_null() &&
      !body["attributes"].is_object()) {
    return errors::bad_parameter("Property 'attributes' must be an object.");
  }
  if (body.contains("attributes") && body["attributes"].is_object() &&
      body["attributes"].contains("expiryTime") && !body["attributes"]["expiryTime"].is_null()) {
    const auto& e = body["attributes"]["expiryTime"];
    const auto d = e.is_string() ? parse_iso_duration(e.get<std::string>()) : std::nullopt;
    if (!d) return errors::bad_parameter("Invalid ISO 8601 duration in expiryTime: " + e.dump());
    if (d->count() < kMinExpiry) {
      return errors::bad_parameter("The expiry time must be at least 28 days (P28D).");
    }
    stored["attributes"]["expiryTime"] = e;
    expiry_text = e.get<std::string>();
    policy.expiry = d->count();
  }
  if (body.contains("lifetimeActions") && !body["lifetimeActions"].is_null()) {
    if (!body["lifetimeActions"].is_array() || body["lifetimeActions"].size() > 2) {
      return errors::bad_parameter("'lifetimeActions' must be an array of at most two actions.");
    }
    for (const auto& action : body["lifetimeActions"]) {
      auto read = read_action(action, policy, expiry_text);
      if (!read) return read.error();
      stored["lifetimeActions"].push_back(std::move(*read));
    }
  }
  return stored;
}

std::optional<std::string> expiry_time(const nlohmann::json& policy) {
  if (!policy.contains("attributes") || !policy["attributes"].contains("expiryTime")) {
    return std::nullopt;
  }
  return policy["attributes"]["expiryTime"].get<std::string>();
}

}  // namespace

std::optional<int64_t> KeyVaultService::rotation_due(const KeyMeta& meta,
                                                     const KeyVersion& current) {
  if (!meta.rotation_policy || meta.deleted) return std::nullopt;
  for (const auto& action : (*meta.rotation_policy)["lifetimeActions"]) {
    if (core::to_lower(action["action"].value("type", "")) != "rotate") continue;
    const auto& trigger = action["trigger"];
    if (trigger.contains("timeAfterCreate")) {
      return shift_by_iso_duration(current.attributes.created,
                                   trigger["timeAfterCreate"].get<std::string>());
    }
    if (current.attributes.exp) {
      return shift_by_iso_duration(*current.attributes.exp,
                                   trigger["timeBeforeExpiry"].get<std::string>(), -1);
    }
  }
  return std::nullopt;
}

Result<KeyVersion> KeyVaultService::rotate_locked(const VaultSettings& vault,
                                                  const std::string& name) {
  auto meta = keys_.meta(vault.name, name);
  if (!meta || meta->deleted) return errors::key_not_found(name);
  auto current = keys_.version(vault.name, name, {});
  crypto::KeyParams params;
  params.kty = current->public_jwk.value("kty", "RSA");
  if (current->public_jwk.contains("crv")) {
    params.crv = current->public_jwk["crv"].get<std::string>();
  } else {
    params.key_size = key_bits(current->public_jwk);
  }
  auto material = crypto::KeyMaterial::generate(params, vault.premium());
  if (!material) return material.error();
  KeyVersion v;
  v.name = meta->name;
  v.version = rng_.hex(16);
  v.material = material->serialize();
  v.public_jwk = material->public_jwk();
  v.key_ops = current->key_ops;
  v.tags = current->tags;
  v.attributes.exportable = current->attributes.exportable;
  v.release_policy = current->release_policy;
  v.attributes.created = v.attributes.updated = clock_.now_unix_seconds();
  if (meta->rotation_policy) {
    if (auto e = expiry_time(*meta->rotation_policy)) {
      v.attributes.exp = shift_by_iso_duration(v.attributes.created, *e);
    }
  }
  meta->current_version = v.version;
  keys_.save(vault.name, *meta, {v});
  schedule_rotation(vault.name, meta->name);
  return v;
}

Result<Reply> KeyVaultService::rotate_key(Call& call) {
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kCreate, "", 0)) return *e;
  std::lock_guard l(write_mu_);
  auto v = rotate_locked(call.vault, call.name());
  if (!v) return v.error();
  return Reply::ordered(call.wire.bundle(*v));
}

Result<Reply> KeyVaultService::get_rotation_policy(Call& call) {
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kOther, "", 0)) return *e;
  auto meta = keys_.meta(call.vault.name, call.name());
  if (!meta || meta->deleted) return errors::key_not_found(call.name());
  return Reply::ordered(policy_wire(call, *meta));
}

Result<Reply> KeyVaultService::set_rotation_policy(Call& call) {
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kOther, "", 0)) return *e;
  auto policy = read_policy(call.body);
  if (!policy) return policy.error();
  std::lock_guard l(write_mu_);
  auto meta = keys_.meta(call.vault.name, call.name());
  if (!meta || meta->deleted) return errors::key_not_found(call.name());
  const int64_t now = clock_.now_unix_seconds();
  const int64_t created =
      meta->rotation_policy ? (*meta->rotation_policy)["attributes"].value("created", now) : now;
  (*policy)["attributes"]["created"] = created;
  (*policy)["attributes"]["updated"] = now;
  meta->rotation_policy = *policy;
  keys_.save(call.vault.name, *meta);
  schedule_rotation(call.vault.name, meta->name);
  return Reply::ordered(policy_wire(call, *meta));
}

nlohmann::ordered_json KeyVaultService::policy_wire(const Call& call, const KeyMeta& meta) const {
  if (!meta.rotation_policy) {
    // A key whose policy was never set: no "id", attributes null (106 bytes;
    // recorded-keyvault.md §6, N:KC/GetKeyRotationPolicyReturnsDefault.json).
    return {{"lifetimeActions",
             nlohmann::ordered_json::array({{{"trigger", {{"timeBeforeExpiry", "P30D"}}},
                                             {"action", {{"type", "Notify"}}}}})},
            {"attributes", nullptr}};
  }
  nlohmann::ordered_json j = {{"id", call.wire.key_id(meta.name) + "/rotationpolicy"}};
  // Stored JSON sorts members; the service sends each action's trigger before its action.
  j["lifetimeActions"] = nlohmann::ordered_json::array();
  for (const auto& action : (*meta.rotation_policy)["lifetimeActions"]) {
    j["lifetimeActions"].push_back({{"trigger", action["trigger"]}, {"action", action["action"]}});
  }
  nlohmann::ordered_json attributes = nlohmann::ordered_json::object();
  const auto& stored = (*meta.rotation_policy)["attributes"];
  for (const char* member : {"expiryTime", "created", "updated"}) {
    if (stored.contains(member)) attributes[member] = stored[member];
  }
  j["attributes"] = attributes;
  return j;
}

void KeyVaultService::schedule_rotation(const std::string& vault, const std::string& name) {
  auto meta = keys_.meta(vault, name);
  if (!meta) return;
  auto current = keys_.version(vault, name, {});
  if (!current) return;
  const auto due = rotation_due(*meta, *current);
  if (!due) return;
  schedule_write(*due, [this, vault, name, due = *due] {
    auto m = keys_.meta(vault, name);
    auto v = m ? keys_.version(vault, name, {}) : std::nullopt;
    // Only the timer for the current due time rotates; stale ones (the policy or the version
    // changed since) do nothing.
    if (!v || rotation_due(*m, *v) != due) return;
    if (auto settings = vaults_.find(vault)) rotate_locked(*settings, name);
  });
}

}  // namespace kmslab::keyvault
