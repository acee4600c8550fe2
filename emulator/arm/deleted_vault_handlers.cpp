// Microsoft.KeyVault/deletedVaults: list, get, purge (a long-running operation answered 202 +
// Location, reference §7), and the automatic purge at scheduledPurgeDate on the virtual clock.
#include "emulator/arm/call.hpp"
#include "emulator/arm/errors.hpp"
#include "emulator/arm/vault_json.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;
using keyvault::VaultSettings;

namespace {

std::optional<VaultSettings> deleted_at(const keyvault::VaultRegistry& vaults,
                                        const std::string& name, const std::string& location) {
  auto v = vaults.find_any(name);
  if (!v || !v->deleted() || core::to_lower(v->location) != normalise_location(location)) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

Result<Reply> ArmService::list_deleted_vaults(Call&) {
  OrderedJson value = OrderedJson::array();
  for (const auto& v : vaults_.list_deleted()) value.push_back(deleted_vault_json(v));
  return Reply::ordered(OrderedJson{{"value", value}});
}

Result<Reply> ArmService::get_deleted_vault(Call& call) {
  auto v = deleted_at(vaults_, call.param("name"), call.param("loc"));
  if (!v) return errors::deleted_vault_not_found(call.param("name"));
  return Reply::ordered(deleted_vault_json(*v));
}

Result<Reply> ArmService::purge_deleted_vault(Call& call) {
  std::lock_guard l(write_mu_);
  auto v = deleted_at(vaults_, call.param("name"), call.param("loc"));
  if (!v) return errors::deleted_vault_not_found(call.param("name"));
  if (v->purge_protection) return errors::purge_not_allowed();
  purge_vault(*v);  // done before the 202: the operation is already complete when polled
  const std::string op = new_operation();
  Reply reply = Reply::empty(202);
  reply.headers.emplace_back("Location", call.link("/subscriptions/" + options_.subscription_id +
                                                   "/providers/Microsoft.KeyVault/locations/" +
                                                   v->location + "/operationResults/" + op));
  reply.headers.emplace_back("Retry-After", std::to_string(options_.retry_after_seconds));
  return reply;
}

// The Location of a finished operation answers 200 (azure-core's LocationPolling: 202 means
// running, anything else done).
Result<Reply> ArmService::operation_result(Call& call) {
  if (!operations_.contains(call.param("op"))) return errors::operation_not_found(call.param("op"));
  return Reply::empty(200);
}

void ArmService::purge_vault(const VaultSettings& vault) {
  remove_vaults({}, {vault.name}, vault.resource_id());
}

void ArmService::schedule_vault_purge(const std::string& name, int64_t at) {
  schedule_write(at, [this, name, at] {
    auto v = vaults_.find_any(name);
    // Recovered and deleted again: a later date, with its own timer.
    if (v && v->deleted() && v->scheduled_purge_at == at) purge_vault(*v);
  });
}

void ArmService::resume_timers() {
  for (const auto& v : vaults_.list_deleted()) {
    if (v.scheduled_purge_at) schedule_vault_purge(v.name, *v.scheduled_purge_at);
  }
}

}  // namespace kmslab::arm
