#include "emulator/app/incident/state_snapshot.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "emulator/core/base64url.hpp"
#include "emulator/core/files.hpp"

namespace kmslab::app::incident {

namespace {

// Private keys outside key versions: the token signing key (identity/signing_key.hpp) and the
// key backups are encrypted with (keyvault/backup_handlers.cpp).
bool private_entry(const std::string& key) {
  return key == "/identity/signing-key" || key == "/kv/backup-secret";
}

// This process's own: the clock's subscribers are the processes of the exporting machine.
bool local_entry(const std::string& key) {
  return key == "/kmslab/clock-subscribers";
}

// A key version record (keyvault/key_record.hpp): {"name","version","material",...}.
bool withhold_material(std::string& value) {
  if (value.find("\"material\"") == std::string::npos) return false;
  auto j = nlohmann::json::parse(value, nullptr, false);
  if (!j.is_object() || !j.contains("material") || !j["material"].is_string() ||
      !j.contains("version")) {
    return false;
  }
  j["material"] = "";
  j["material_withheld"] = true;
  value = j.dump();
  return true;
}

bool valid_utf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

[[noreturn]] void bad(const std::string& what) {
  throw std::invalid_argument(what);
}

}  // namespace

Snapshot take(store::Store& store, bool include_key_material) {
  Snapshot s;
  s.key_material = include_key_material;
  auto range = store.range("");
  s.revision = range.revision;
  for (auto& kv : range.kvs) {
    if (local_entry(kv.key)) continue;
    if (!include_key_material) {
      if (private_entry(kv.key)) continue;
      if (kv.key.starts_with("/kv/") && withhold_material(kv.value)) ++s.withheld;
    }
    s.entries.emplace_back(std::move(kv.key), std::move(kv.value));
  }
  return s;
}

std::string to_text(const Snapshot& s) {
  nlohmann::ordered_json j;
  j["format"] = kStateFormat;
  j["version"] = kFormatVersion;
  j["keyMaterial"] = s.key_material;
  j["revision"] = s.revision;
  j["withheldKeyVersions"] = s.withheld;
  auto& entries = j["entries"] = nlohmann::ordered_json::array();
  for (const auto& [key, value] : s.entries) {
    nlohmann::ordered_json e = {{"key", key}};
    if (valid_utf8(value)) {
      e["value"] = value;
    } else {
      e["valueBase64url"] = core::base64url_encode(value);
    }
    entries.push_back(std::move(e));
  }
  return j.dump(1) + "\n";
}

Snapshot parse_state(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) bad("not a JSON object");
  if (j.value("format", nlohmann::json()) != kStateFormat) {
    bad(std::string("\"format\" is not \"") + kStateFormat + "\"");
  }
  if (!j.contains("version") || !j["version"].is_number_integer() ||
      j["version"].get<int64_t>() != kFormatVersion) {
    bad("\"version\" must be " + std::to_string(kFormatVersion) + " (this kmslab's format)");
  }
  if (!j.contains("keyMaterial") || !j["keyMaterial"].is_boolean()) {
    bad("\"keyMaterial\" must be true or false");
  }
  if (!j.contains("entries") || !j["entries"].is_array()) bad("\"entries\" must be an array");
  Snapshot s;
  s.key_material = j["keyMaterial"].get<bool>();
  if (j.contains("revision") && j["revision"].is_number_integer()) {
    s.revision = j["revision"].get<int64_t>();
  }
  std::string previous;
  for (size_t i = 0; i < j["entries"].size(); ++i) {
    const auto& e = j["entries"][i];
    const std::string where = "entries[" + std::to_string(i) + "]";
    if (!e.is_object() || !e.contains("key") || !e["key"].is_string()) {
      bad(where + ": needs a string \"key\"");
    }
    std::string key = e["key"].get<std::string>();
    if (key.empty() || key.front() != '/' || key.size() > 4096) {
      bad(where + ": key must start with '/' (at most 4096 bytes)");
    }
    if (key <= previous) bad(where + ": keys must be unique and in order");
    std::string value;
    if (e.contains("value") && e["value"].is_string()) {
      value = e["value"].get<std::string>();
    } else if (e.contains("valueBase64url") && e["valueBase64url"].is_string()) {
      auto decoded = core::base64url_decode(e["valueBase64url"].get<std::string>());
      if (!decoded) bad(where + ": valueBase64url is not base64url");
      value = std::move(*decoded);
    } else {
      bad(where + ": needs a string \"value\" or \"valueBase64url\"");
    }
    if (value.find("\"material_withheld\":true") != std::string::npos) ++s.withheld;
    previous = key;
    if (local_entry(key)) continue;  // another machine's processes
    s.entries.emplace_back(std::move(key), std::move(value));
  }
  return s;
}

Snapshot read_bundle(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path state = path;
  if (fs::is_directory(path, ec)) {
    const fs::path manifest_path = path / kManifestFile;
    std::string text;
    try {
      text = core::read_file(manifest_path);
    } catch (const std::runtime_error& e) {
      bad(manifest_path.string() + ": " + e.what());
    }
    const auto m = nlohmann::json::parse(text, nullptr, false);
    if (!m.is_object() || m.value("format", nlohmann::json()) != kBundleFormat) {
      bad(manifest_path.string() + ": not a kmslab incident manifest (\"format\": \"" +
          kBundleFormat + "\")");
    }
    if (!m.contains("version") || !m["version"].is_number_integer() ||
        m["version"].get<int64_t>() != kFormatVersion) {
      bad(manifest_path.string() + ": \"version\" must be " + std::to_string(kFormatVersion));
    }
    state = path / kStateFile;
  }
  std::string text;
  try {
    text = core::read_file(state);
  } catch (const std::runtime_error& e) {
    bad(state.string() + ": " + e.what());
  }
  try {
    return parse_state(text);
  } catch (const std::invalid_argument& e) {
    bad(state.string() + ": " + e.what());
  }
}

void require_empty(store::Store& store) {
  if (!store.range("", 1).kvs.empty()) {
    bad("the store already holds state: import into a new --data-dir");
  }
}

void load(store::Store& store, const Snapshot& s) {
  require_empty(store);
  store::Txn txn;
  for (const auto& [key, value] : s.entries) txn.success.push_back(store::Op::put(key, value));
  if (!txn.success.empty()) store.txn(txn);
}

}  // namespace kmslab::app::incident
