#pragma once
// What the store keeps for a key (its metadata and each version), and how Key Vault writes it
// on the wire (KeyBundle, KeyItem, DeletedKeyBundle), field for field.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/keyvault/vault.hpp"

namespace kmslab::keyvault {

struct KeyAttributes {
  bool enabled = true;
  std::optional<int64_t> nbf;
  std::optional<int64_t> exp;
  int64_t created = 0;
  int64_t updated = 0;
  bool exportable = false;  // api 7.3+; needs a release policy (AKV.SKR.1004)
};

struct KeyVersion {
  std::string name;  // as the key was first created
  std::string version;
  std::string material;       // crypto::KeyMaterial::serialize(): private, never on the wire
  nlohmann::json public_jwk;  // kty + n/e or crv/x/y
  std::vector<std::string> key_ops;
  KeyAttributes attributes;
  nlohmann::json tags = nlohmann::json::object();
  /// {"contentType","data","immutable"}, data the canonical base64url policy (key_body.hpp).
  std::optional<nlohmann::json> release_policy;
  /// The private key was not exported with an incident bundle: `material` is one made at
  /// replay (emulator/app/incident), so what was encrypted before the export does not decrypt.
  bool stand_in = false;

  nlohmann::json to_json() const;
  static KeyVersion from_json(const nlohmann::json& j);
};

struct DeletedInfo {
  int64_t deleted_date = 0;
  int64_t scheduled_purge_date = 0;
};

struct KeyMeta {
  std::string name;
  std::string current_version;
  std::optional<DeletedInfo> deleted;
  std::optional<nlohmann::json> rotation_policy;  // as stored (KeyRotationPolicy without "id")

  nlohmann::json to_json() const;
  static KeyMeta from_json(const nlohmann::json& j);
};

/// Renders for a vault reached at `base_url` ("https://myvault.vault.azure.net", port included
/// when the client gave one: ids use the host the client used). Keeps only what it writes of the
/// vault (made once per request).
class KeyWire {
 public:
  /// `api_version` shapes the attributes (empty = the newest): 2015-06-01 predates soft delete
  /// (no recoveryLevel); no recoverableDays before 7.1 (2016-10-01 has recoveryLevel only);
  /// exportable from 7.3 (recorded-keyvault.md §5; the Azure REST specs' keyvault.json per
  /// version, KeyAttributes).
  KeyWire(std::string base_url, const VaultSettings& vault, std::string api_version = {})
      : base_url_(std::move(base_url)),
        recovery_level_(vault.recovery_level()),
        retention_days_(vault.retention_days),
        api_version_(std::move(api_version)) {}

  std::string key_id(const std::string& name, const std::string& version = {}) const;
  nlohmann::ordered_json bundle(const KeyVersion& v) const;
  nlohmann::ordered_json item(const KeyVersion& latest, bool versioned) const;
  nlohmann::ordered_json deleted_bundle(const KeyVersion& v, const DeletedInfo& d) const;
  nlohmann::ordered_json deleted_item(const KeyVersion& latest, const DeletedInfo& d) const;
  const std::string& base_url() const { return base_url_; }

 private:
  nlohmann::ordered_json attributes(const KeyAttributes& a) const;
  nlohmann::ordered_json deleted_fields(const std::string& name, const DeletedInfo& d) const;

  std::string base_url_;
  std::string recovery_level_;
  int retention_days_;
  std::string api_version_;
};

/// Whether data-plane api-version `version` ("7.2", "7.4-preview.1", "2016-10-01",
/// "2025-07-01"; empty = newest) is `minor` 7.x or later.
bool api_version_at_least(const std::string& version, int minor);

}  // namespace kmslab::keyvault
