// Backup and restore. A backup blob carries every version of a key (private material included),
// so it is sealed with AES-256-GCM under a secret only this emulator holds, and starts with the
// real service's marker. Restore brings back all versions with their ids.
#include <openssl/evp.h>

#include <memory>

#include "emulator/core/base64url.hpp"
#include "emulator/core/json_input.hpp"
#include "emulator/keyvault/call.hpp"
#include "emulator/keyvault/errors.hpp"
#include "emulator/keyvault/key_body.hpp"

namespace kmslab::keyvault {

using core::Reply;
using core::Result;

namespace {

constexpr std::string_view kMarker = "&AzureKeyVaultKeyBackupV1.microsoft.com";
constexpr size_t kIvBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kMaxVersions = 500;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::optional<std::string> seal(const std::string& secret, const std::string& iv,
                                const std::string& plaintext, bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  const auto* key = reinterpret_cast<const unsigned char*>(secret.data());
  const auto* ivp = reinterpret_cast<const unsigned char*>(iv.data());
  std::string in = plaintext;
  std::string tag;
  if (!encrypt) {
    if (in.size() < kTagBytes) return std::nullopt;
    tag = in.substr(in.size() - kTagBytes);
    in.resize(in.size() - kTagBytes);
  }
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key, ivp, encrypt) != 1) {
    return std::nullopt;
  }
  std::string out(in.size(), '\0');
  int n = 0;
  if (EVP_CipherUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n,
                       reinterpret_cast<const unsigned char*>(in.data()),
                       static_cast<int>(in.size())) != 1) {
    return std::nullopt;
  }
  if (!encrypt &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1) {
    return std::nullopt;
  }
  int final_n = 0;
  if (EVP_CipherFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + n, &final_n) !=
      1) {
    return std::nullopt;  // a tampered or foreign blob
  }
  if (encrypt) {
    tag.resize(kTagBytes);
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag.data());
    out += tag;
  }
  return out;
}

/// Vaults share one domain (a vault's backup restores in any vault [V] SPEC75 "same subscription
/// and geography", not checked); each Managed HSM is its own security domain.
std::string crypto_domain(const VaultSettings& vault) {
  return vault.managed_hsm ? "hsm:" + core::to_lower(vault.name) : "vault";
}

}  // namespace

std::string KeyVaultService::backup_secret() {
  static const std::string kKey = "/kv/backup-secret";
  if (auto kv = store_.get(kKey)) return *core::base64url_decode(kv->value);
  std::string secret(32, '\0');
  core::SystemRng().fill({reinterpret_cast<uint8_t*>(secret.data()), secret.size()});
  store_.txn({{store::Compare::version(kKey, store::Compare::Op::kEqual, 0)},
              {store::Op::put(kKey, core::base64url_encode(secret))},
              {}});
  return *core::base64url_decode(store_.get(kKey)->value);
}

Result<Reply> KeyVaultService::backup_key(Call& call) {
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kOther, "", 0)) return *e;
  auto meta = keys_.meta(call.vault.name, call.name());
  if (!meta || meta->deleted) return errors::key_not_found(call.name());
  const auto versions = keys_.versions(call.vault.name, call.name());
  if (versions.size() > kMaxVersions) return errors::too_many_versions_to_backup(call.name());
  nlohmann::json payload = {{"format", "kmslab-key-backup/1"},
                            {"location", call.vault.location},
                            {"domain", crypto_domain(call.vault)},
                            {"meta", meta->to_json()},
                            {"versions", nlohmann::json::array()}};
  for (const auto& v : versions) payload["versions"].push_back(v.to_json());
  std::string iv(kIvBytes, '\0');
  core::SystemRng().fill({reinterpret_cast<uint8_t*>(iv.data()), iv.size()});
  auto sealed = seal(backup_secret(), iv, payload.dump(), true);
  if (!sealed) throw std::runtime_error("sealing a key backup failed");
  const std::string blob =
      std::string(kMarker) + core::base64url_encode(iv) + "." + core::base64url_encode(*sealed);
  return Reply::ordered(nlohmann::ordered_json{{"value", core::base64url_encode(blob)}});
}

Result<Reply> KeyVaultService::restore_key(Call& call) {
  // A Managed HSM restores only its own backups: anything else, the recorded HSM calls a blob
  // of "a different crypto domain" (N:MH/RestoreKeyNonExisting.json).
  const auto invalid = [&] {
    return call.vault.managed_hsm ? errors::foreign_crypto_domain() : errors::invalid_backup();
  };
  std::string blob;
  if (auto e = read_base64url(call.body, "value", blob)) return *e;
  if (!blob.starts_with(kMarker)) return invalid();
  const std::string rest = blob.substr(kMarker.size());
  const size_t dot = rest.find('.');
  auto iv = core::base64url_decode(rest.substr(0, dot));
  auto sealed =
      dot == std::string::npos ? std::nullopt : core::base64url_decode(rest.substr(dot + 1));
  if (!iv || iv->size() != kIvBytes || !sealed) return invalid();
  auto plain = seal(backup_secret(), *iv, *sealed, false);
  if (!plain) return invalid();
  const auto payload = core::parse_untrusted_json(*plain);
  // Backups written before domains were recorded are vault backups.
  if (payload.is_discarded() || payload.value("format", "") != "kmslab-key-backup/1" ||
      (payload.contains("domain") && !payload["domain"].is_string()) ||
      payload.value("domain", "vault") != crypto_domain(call.vault)) {
    return invalid();
  }
  KeyMeta meta = KeyMeta::from_json(payload["meta"]);
  meta.deleted.reset();
  std::vector<KeyVersion> versions;
  for (const auto& v : payload["versions"]) versions.push_back(KeyVersion::from_json(v));
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kCreate, "", 0)) return *e;

  std::lock_guard l(write_mu_);
  if (auto existing = keys_.meta(call.vault.name, meta.name)) {
    if (existing->deleted) return errors::key_deleted_but_recoverable(meta.name);
    return errors::restore_conflict(call.wire.key_id(meta.name, meta.current_version));
  }
  keys_.save(call.vault.name, meta, versions);
  schedule_rotation(call.vault.name, meta.name);
  return Reply::ordered(call.wire.bundle(*keys_.version(call.vault.name, meta.name, {})));
}

}  // namespace kmslab::keyvault
