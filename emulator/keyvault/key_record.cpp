#include "emulator/keyvault/key_record.hpp"

#include <cctype>

namespace kmslab::keyvault {

namespace {

template <class T>
void put_optional(nlohmann::json& j, const char* name, const std::optional<T>& v) {
  if (v) j[name] = *v;
}

template <class T>
std::optional<T> get_optional(const nlohmann::json& j, const char* name) {
  if (!j.contains(name) || j[name].is_null()) return std::nullopt;
  return j[name].get<T>();
}

}  // namespace

nlohmann::json KeyVersion::to_json() const {
  nlohmann::json attrs = {{"enabled", attributes.enabled},
                          {"created", attributes.created},
                          {"updated", attributes.updated}};
  put_optional(attrs, "nbf", attributes.nbf);
  put_optional(attrs, "exp", attributes.exp);
  if (attributes.exportable) attrs["exportable"] = true;
  nlohmann::json j = {{"name", name},      {"version", version}, {"material", material},
                      {"jwk", public_jwk}, {"key_ops", key_ops}, {"attributes", attrs},
                      {"tags", tags}};
  if (release_policy) j["release_policy"] = *release_policy;
  if (stand_in) j["material_stand_in"] = true;
  return j;
}

KeyVersion KeyVersion::from_json(const nlohmann::json& j) {
  KeyVersion v;
  v.name = j.at("name").get<std::string>();
  v.version = j.at("version").get<std::string>();
  v.material = j.at("material").get<std::string>();
  v.public_jwk = j.at("jwk");
  v.key_ops = j.at("key_ops").get<std::vector<std::string>>();
  const auto& a = j.at("attributes");
  v.attributes.enabled = a.at("enabled").get<bool>();
  v.attributes.created = a.at("created").get<int64_t>();
  v.attributes.updated = a.at("updated").get<int64_t>();
  v.attributes.nbf = get_optional<int64_t>(a, "nbf");
  v.attributes.exp = get_optional<int64_t>(a, "exp");
  v.attributes.exportable = a.value("exportable", false);
  v.tags = j.value("tags", nlohmann::json::object());
  v.stand_in = j.value("material_stand_in", false);
  if (j.contains("release_policy")) v.release_policy = j["release_policy"];
  return v;
}

nlohmann::json KeyMeta::to_json() const {
  nlohmann::json j = {{"name", name}, {"current_version", current_version}};
  if (deleted) {
    j["deleted"] = {{"deleted_date", deleted->deleted_date},
                    {"scheduled_purge_date", deleted->scheduled_purge_date}};
  }
  if (rotation_policy) j["rotation_policy"] = *rotation_policy;
  return j;
}

KeyMeta KeyMeta::from_json(const nlohmann::json& j) {
  KeyMeta m;
  m.name = j.at("name").get<std::string>();
  m.current_version = j.at("current_version").get<std::string>();
  if (j.contains("deleted")) {
    m.deleted = DeletedInfo{j["deleted"].at("deleted_date").get<int64_t>(),
                            j["deleted"].at("scheduled_purge_date").get<int64_t>()};
  }
  if (j.contains("rotation_policy")) m.rotation_policy = j["rotation_policy"];
  return m;
}

std::string KeyWire::key_id(const std::string& name, const std::string& version) const {
  return base_url_ + "/keys/" + name + (version.empty() ? "" : "/" + version);
}

nlohmann::ordered_json KeyWire::attributes(const KeyAttributes& a) const {
  nlohmann::ordered_json j = {{"enabled", a.enabled}};
  if (a.nbf) j["nbf"] = *a.nbf;
  if (a.exp) j["exp"] = *a.exp;
  j["created"] = a.created;
  j["updated"] = a.updated;
  if (api_version_.starts_with("2015-")) return j;  // predates soft delete
  j["recoveryLevel"] = recovery_level_;
  if (api_version_at_least(api_version_, 1)) j["recoverableDays"] = retention_days_;
  if (a.exportable || api_version_at_least(api_version_, 3)) j["exportable"] = a.exportable;
  return j;
}

nlohmann::ordered_json KeyWire::bundle(const KeyVersion& v) const {
  nlohmann::ordered_json key = {
      {"kid", key_id(v.name, v.version)}, {"kty", v.public_jwk.at("kty")}, {"key_ops", v.key_ops}};
  for (const char* member : {"n", "e", "crv", "x", "y"}) {
    if (v.public_jwk.contains(member)) key[member] = v.public_jwk[member];
  }
  nlohmann::ordered_json j = {{"key", std::move(key)}, {"attributes", attributes(v.attributes)}};
  if (!v.tags.empty()) j["tags"] = v.tags;
  if (v.release_policy) {
    j["release_policy"] = {{"contentType", (*v.release_policy)["contentType"]},
                           {"data", (*v.release_policy)["data"]},
                           {"immutable", (*v.release_policy)["immutable"]}};
  }
  return j;
}

nlohmann::ordered_json KeyWire::item(const KeyVersion& latest, bool versioned) const {
  nlohmann::ordered_json j = {{"kid", key_id(latest.name, versioned ? latest.version : "")},
                              {"attributes", attributes(latest.attributes)}};
  if (!latest.tags.empty()) j["tags"] = latest.tags;
  return j;
}

nlohmann::ordered_json KeyWire::deleted_fields(const std::string& name,
                                               const DeletedInfo& d) const {
  return {{"recoveryId", base_url_ + "/deletedkeys/" + name},
          {"deletedDate", d.deleted_date},
          {"scheduledPurgeDate", d.scheduled_purge_date}};
}

nlohmann::ordered_json KeyWire::deleted_bundle(const KeyVersion& v, const DeletedInfo& d) const {
  nlohmann::ordered_json j = deleted_fields(v.name, d);
  const nlohmann::ordered_json rest = bundle(v);
  for (auto it = rest.begin(); it != rest.end(); ++it) j[it.key()] = it.value();
  return j;
}

nlohmann::ordered_json KeyWire::deleted_item(const KeyVersion& latest, const DeletedInfo& d) const {
  nlohmann::ordered_json j = deleted_fields(latest.name, d);
  const nlohmann::ordered_json rest = item(latest, false);
  for (auto it = rest.begin(); it != rest.end(); ++it) j[it.key()] = it.value();
  return j;
}

bool api_version_at_least(const std::string& version, int minor) {
  if (version.empty()) return true;
  // The date-named versions: 2015-06-01 and 2016-10-01 precede 7.0; 2025-07-01 follows 7.6.
  if (version.size() >= 10 && version[4] == '-') return version >= "2025";
  if (version.size() < 3 || version[0] != '7' || version[1] != '.') return true;
  int n = 0;
  for (size_t i = 2; i < version.size() && std::isdigit(static_cast<unsigned char>(version[i]));
       ++i) {
    n = n * 10 + (version[i] - '0');
  }
  return n >= minor;
}

}  // namespace kmslab::keyvault
