// Soft delete: delete, deleted keys, recover, purge, and the automatic purge when the retention
// period ends on the virtual clock.
#include "emulator/keyvault/call.hpp"
#include "emulator/keyvault/errors.hpp"

namespace kmslab::keyvault {

using core::Reply;
using core::Result;

Result<Reply> KeyVaultService::delete_key(Call& call) {
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kOther, "", 0)) return *e;
  std::lock_guard l(write_mu_);
  auto meta = keys_.meta(call.vault.name, call.name());
  if (!meta || meta->deleted) return errors::key_not_found(call.name());
  auto latest = keys_.version(call.vault.name, call.name(), {});
  const int64_t now = clock_.now_unix_seconds();
  meta->deleted = DeletedInfo{now, now + int64_t{call.vault.retention_days} * 86400};
  keys_.save(call.vault.name, *meta);
  if (options_.deletion_window.count() > 0) {
    std::lock_guard d(deleting_mu_);
    const core::TimePoint real = options_.real_clock();
    std::erase_if(deleting_, [&](const auto& entry) { return entry.second <= real; });
    deleting_[core::to_lower(call.vault.name) + "/" + core::to_lower(meta->name)] =
        real + options_.deletion_window;
  }
  schedule_purge(call.vault.name, meta->name, meta->deleted->scheduled_purge_date);
  return Reply::ordered(call.wire.deleted_bundle(*latest, *meta->deleted));
}

Result<Reply> KeyVaultService::get_deleted_key(Call& call) {
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kOther, "", 0)) return *e;
  auto meta = keys_.meta(call.vault.name, call.name());
  if (!meta || !meta->deleted) return errors::key_not_found(call.name());
  if (being_deleted(call.vault.name, call.name())) return errors::deleted_key_not_found(meta->name);
  auto latest = keys_.version(call.vault.name, call.name(), {});
  return Reply::ordered(call.wire.deleted_bundle(*latest, *meta->deleted));
}

Result<Reply> KeyVaultService::list_deleted_keys(Call& call) {
  return list_page(call, true, "/deletedkeys", [&](const KeyVersion& v, const KeyMeta& meta) {
    return call.wire.deleted_item(v, *meta.deleted);
  });
}

Result<Reply> KeyVaultService::recover_key(Call& call) {
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kOther, "", 0)) return *e;
  std::lock_guard l(write_mu_);
  auto meta = keys_.meta(call.vault.name, call.name());
  if (!meta || !meta->deleted) return errors::key_not_found(call.name());
  if (being_deleted(call.vault.name, call.name())) return errors::deleted_key_not_found(meta->name);
  meta->deleted.reset();
  keys_.save(call.vault.name, *meta);
  return Reply::ordered(call.wire.bundle(*keys_.version(call.vault.name, call.name(), {})));
}

Result<Reply> KeyVaultService::purge_key(Call& call) {
  if (auto e = throttle_.admit(call.vault.name, Throttle::Kind::kOther, "", 0)) return *e;
  std::lock_guard l(write_mu_);
  auto meta = keys_.meta(call.vault.name, call.name());
  if (!meta || !meta->deleted) return errors::key_not_found(call.name());
  if (being_deleted(call.vault.name, call.name())) return errors::deleted_key_not_found(meta->name);
  if (call.vault.purge_protection) return errors::purge_protected();
  keys_.purge(call.vault.name, call.name());
  forget_materials(call.vault.name, call.name());
  return Reply::empty(204);
}

void KeyVaultService::schedule_purge(const std::string& vault, const std::string& name,
                                     int64_t at) {
  schedule_write(at, [this, vault, name, at] {
    auto meta = keys_.meta(vault, name);
    // A key recovered and deleted again has a later date: its own timer purges it.
    if (meta && meta->deleted && meta->deleted->scheduled_purge_date == at) {
      keys_.purge(vault, name);
      forget_materials(vault, name);
    }
  });
}

bool KeyVaultService::being_deleted(const std::string& vault, const std::string& name) {
  std::lock_guard d(deleting_mu_);
  auto it = deleting_.find(core::to_lower(vault) + "/" + core::to_lower(name));
  if (it == deleting_.end()) return false;
  if (it->second > options_.real_clock()) return true;
  deleting_.erase(it);
  return false;
}

void KeyVaultService::schedule_write(int64_t at, std::function<void()> work) {
  timers_.schedule_write(at, std::move(work));
}

void KeyVaultService::resume_timers() {
  for (const auto& [vault, meta] : keys_.all_metas()) {
    if (meta.deleted) {
      schedule_purge(vault, meta.name, meta.deleted->scheduled_purge_date);
    } else if (meta.rotation_policy) {
      schedule_rotation(vault, meta.name);
    }
  }
}

}  // namespace kmslab::keyvault
