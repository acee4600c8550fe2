// Keys: create, import, get, update, list, list versions.
#include "emulator/keyvault/call.hpp"
#include "emulator/keyvault/errors.hpp"
#include "emulator/keyvault/key_body.hpp"

namespace kmslab::keyvault {

using core::Reply;
using core::Result;

Result<KeyVersion> KeyVaultService::live_version(Call& call, const std::string& version) {
  auto meta = keys_.shared_meta(call.vault.name, call.name());
  if (!meta || meta->deleted) return errors::key_not_found(call.name());
  auto v = keys_.version(call.vault.name, call.name(), version);
  if (!v) return errors::key_version_not_found(call.name(), version);
  return std::move(*v);
}

Result<Reply> KeyVaultService::create_key(Call& call) {
  if (!is_valid_key_name(call.name())) return errors::invalid_name("key", call.name());
  auto params = read_key_params(call.body);
  if (!params) return params.error();
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kCreate, params->kty, 0)) return *e;
  // Attributes, ops and tags are checked before the (slow) key generation.
  KeyVersion probe;
  std::optional<std::vector<std::string>> ops;
  std::optional<nlohmann::json> tags;
  if (auto e = read_key_ops(call.body, ops)) return *e;
  if (auto e = read_attributes(call.body, probe.attributes)) return *e;
  if (auto e = read_tags(call.body, tags)) return *e;
  auto material = crypto::KeyMaterial::generate(*params, call.vault.premium());
  if (!material) return material.error();
  return add_version(call, std::move(material.value()), call.body, {});
}

Result<Reply> KeyVaultService::import_key(Call& call) {
  if (!is_valid_key_name(call.name())) return errors::invalid_name("key", call.name());
  if (!call.body.is_object() || !call.body.contains("key") || !call.body["key"].is_object()) {
    return errors::property_required("key");
  }
  const nlohmann::json& jwk = call.body["key"];
  const bool hsm =
      call.body.contains("Hsm") && call.body["Hsm"].is_boolean() && call.body["Hsm"].get<bool>();
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kCreate, jwk.value("kty", ""), 0)) {
    return *e;
  }
  auto material = crypto::KeyMaterial::import_jwk(jwk, hsm, call.vault.premium());
  if (!material) return material.error();
  std::optional<std::vector<std::string>> jwk_ops;
  if (auto e = read_key_ops(jwk, jwk_ops)) return *e;
  return add_version(call, std::move(material.value()), call.body,
                     jwk_ops.value_or(std::vector<std::string>{}));
}

Result<Reply> KeyVaultService::add_version(Call& call, crypto::KeyMaterial material,
                                           const nlohmann::json& body,
                                           const std::vector<std::string>& jwk_ops) {
  KeyVersion v;
  std::optional<std::vector<std::string>> ops;
  std::optional<nlohmann::json> tags;
  if (auto e = read_key_ops(body, ops)) return *e;
  if (auto e = read_attributes(body, v.attributes)) return *e;
  if (auto e = read_tags(body, tags)) return *e;
  if (auto e = read_release_policy(body, v.release_policy)) return *e;
  v.key_ops = ops ? *ops : !jwk_ops.empty() ? jwk_ops : material.default_key_ops();
  v.tags = tags.value_or(nlohmann::json::object());
  v.material = material.serialize();
  v.public_jwk = material.public_jwk();
  v.version = rng_.hex(16);
  v.attributes.created = v.attributes.updated = clock_.now_unix_seconds();
  if (auto e = check_release(v, call.ctx.query_param("api-version").value_or(""),
                             call.vault.premium())) {
    return *e;
  }

  std::lock_guard l(write_mu_);
  auto meta = keys_.meta(call.vault.name, call.name());
  if (meta && meta->deleted && being_deleted(call.vault.name, call.name())) {
    return errors::key_being_deleted(call.name());
  }
  if (meta && meta->deleted) return errors::key_deleted_but_recoverable(call.name());
  if (!meta) meta = KeyMeta{call.name(), {}, std::nullopt, std::nullopt};
  v.name = meta->name;
  meta->current_version = v.version;
  keys_.save(call.vault.name, *meta, {v});
  return Reply::ordered(call.wire.bundle(v));
}

Result<Reply> KeyVaultService::get_key(Call& call) {
  auto v = live_version(call, call.ctx.param("version"));
  if (!v) return v.error();
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kOther,
                               v->public_jwk.value("kty", ""), key_bits(v->public_jwk))) {
    return *e;
  }
  return Reply::ordered(call.wire.bundle(*v));
}

Result<Reply> KeyVaultService::update_key(Call& call) {
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kOther, "", 0)) return *e;
  std::lock_guard l(write_mu_);
  auto v = live_version(call, call.ctx.param("version"));
  if (!v) return v.error();
  std::optional<std::vector<std::string>> ops;
  std::optional<nlohmann::json> tags;
  KeyAttributes attributes = v->attributes;
  if (auto e = read_key_ops(call.body, ops)) return *e;
  if (auto e = read_attributes(call.body, attributes)) return *e;
  if (auto e = read_tags(call.body, tags)) return *e;
  if (attributes.exportable != v->attributes.exportable) return errors::exportable_unchangeable();
  std::optional<nlohmann::json> policy;
  if (auto e = read_release_policy(call.body, policy)) return *e;
  if (policy && v->release_policy && (*v->release_policy).value("immutable", false)) {
    return errors::release_policy_immutable();
  }
  if (policy && !v->attributes.exportable) return errors::release_policy_needs_exportable();
  if (policy) v->release_policy = std::move(policy);
  if (ops) v->key_ops = *ops;
  if (tags) v->tags = *tags;
  v->attributes = attributes;
  v->attributes.updated = clock_.now_unix_seconds();
  keys_.save(call.vault.name, *keys_.meta(call.vault.name, call.name()), {*v});
  return Reply::ordered(call.wire.bundle(*v));
}

Result<Reply> KeyVaultService::list_page(
    Call& call, bool deleted, const std::string& path,
    const std::function<nlohmann::ordered_json(const KeyVersion&, const KeyMeta&)>& item) {
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kOther, "", 0)) return *e;
  auto paging = call.paging(path);
  if (!paging) return paging.error();
  nlohmann::ordered_json value = nlohmann::ordered_json::array();
  if (paging->tail > 0) return call.page(std::move(value), path, *paging, std::nullopt);
  // An empty page mid-listing still needs to know whether anything is left.
  auto page =
      keys_.list(call.vault.name, deleted, std::max<size_t>(paging->take, 1), paging->after);
  std::optional<std::string> next;
  if (paging->take == 0) {
    if (!page.metas.empty()) next = paging->after;
    return call.page(std::move(value), path, *paging, next);
  }
  for (const auto& meta : page.metas) {
    if (auto v = keys_.version(call.vault.name, meta.name, {})) value.push_back(item(*v, meta));
  }
  if (!page.next_after.empty()) next = page.next_after;
  return call.page(std::move(value), path, *paging, next);
}

Result<Reply> KeyVaultService::list_keys(Call& call) {
  return list_page(call, false, "/keys",
                   [&](const KeyVersion& v, const KeyMeta&) { return call.wire.item(v, false); });
}

Result<Reply> KeyVaultService::list_versions(Call& call) {
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kOther, "", 0)) return *e;
  auto meta = keys_.meta(call.vault.name, call.name());
  if (!meta || meta->deleted) return errors::key_not_found(call.name());
  const std::string path = "/keys/" + meta->name + "/versions";
  auto paging = call.paging(path);
  if (!paging) return paging.error();
  nlohmann::ordered_json value = nlohmann::ordered_json::array();
  if (paging->tail > 0) return call.page(std::move(value), path, *paging, std::nullopt);
  std::optional<std::string> next;
  std::string last = paging->after;
  for (const auto& v : keys_.versions(call.vault.name, call.name())) {
    if (!paging->after.empty() && v.version <= paging->after) continue;
    if (value.size() == paging->take) {
      next = last;
      break;
    }
    value.push_back(call.wire.item(v, true));
    last = v.version;
  }
  return call.page(std::move(value), path, *paging, next);
}

}  // namespace kmslab::keyvault
