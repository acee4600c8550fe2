// Microsoft.KeyVault/vaults: create (PUT, also recover), update (PUT/PATCH), get, list, delete
// (soft delete), access policy updates, name availability.
#include "emulator/arm/call.hpp"
#include "emulator/arm/errors.hpp"
#include "emulator/arm/json_fields.hpp"
#include "emulator/arm/vault_json.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;
using keyvault::VaultSettings;

namespace {

bool same(const std::string& a, const std::string& b) {
  return core::to_lower(a) == core::to_lower(b);
}

nlohmann::json system_data(const Caller& caller, const std::string& at,
                           const nlohmann::json& previous) {
  const std::string who = caller.app_id.empty() ? caller.object_id : caller.app_id;
  nlohmann::json j = previous.is_object() ? previous : nlohmann::json::object();
  if (!j.contains("createdBy")) {
    j["createdBy"] = who;
    j["createdByType"] = "Application";
    j["createdAt"] = at;
  }
  j["lastModifiedBy"] = who;
  j["lastModifiedByType"] = "Application";
  j["lastModifiedAt"] = at;
  return j;
}

Reply list_reply(const OrderedJson& value) {
  return Reply::ordered(OrderedJson{{"value", value}});
}

}  // namespace

Result<VaultSettings> ArmService::vault_in_group(const Call& call) const {
  if (auto e = check_group(call)) return *e;
  auto vault = vaults_.find(call.param("name"));
  if (!vault || !same(vault->resource_group, call.param("rg")) ||
      !same(vault->subscription_id, options_.subscription_id)) {
    return errors::resource_not_found("Microsoft.KeyVault/vaults", call.param("name"),
                                      call.param("rg"));
  }
  return *vault;
}

Result<Reply> ArmService::put_vault(Call& call) {
  const std::string& name = call.param("name");
  if (!keyvault::is_valid_vault_name(name)) return errors::vault_name_invalid(name);
  auto body = call.body();
  if (!body) return body.error();
  auto tracked = read_tracked_body(*body, true);
  if (!tracked) return tracked.error();
  const auto& location = tracked->location;
  const auto* props = tracked->properties;
  const auto* tags = &tracked->tags;
  if (!props) return errors::bad_request("The property 'properties' is required.");
  FieldReader pr(*props, "properties");
  const std::string mode = core::to_lower(pr.str("createMode").value_or("default"));
  if (pr.error()) return *pr.error();
  if (mode != "default" && mode != "recover") {
    return errors::bad_request("Invalid value '" + mode + "' for property 'createMode'.");
  }
  std::lock_guard l(write_mu_);
  auto group = group_of(call);
  if (!group) return group.error();
  auto existing = vaults_.find_any(name);
  if (mode == "recover") {
    if (!existing || !existing->deleted()) return errors::deleted_vault_not_found(name);
    return recover_vault(call, *existing, group->name);
  }
  if (existing && existing->deleted()) return errors::vault_deleted_conflict();
  const bool creating = !existing;
  if (existing && (!same(existing->resource_group, call.param("rg")))) {
    return errors::vault_already_exists(name);
  }
  if (!location) return errors::location_required();
  VaultSettings base;
  if (existing) {
    base = *existing;
  } else {
    base.name = name;
    base.subscription_id = options_.subscription_id;
    base.resource_group = group->name;
    base.open_access = false;
    if (!props->contains("accessPolicies")) {
      return errors::bad_request("The property 'accessPolicies' is required.");  // [U] wording
    }
  }
  base.location = normalise_location(*location);
  auto updated = apply_vault_properties(*props, base, creating);
  if (!updated) return updated.error();
  if (body->contains("tags")) updated->tags = *tags;
  updated->arm["systemData"] =
      system_data(call.caller, core::format_rfc3339(clock_.now()), base.arm["systemData"]);
  vaults_.put(*updated);
  return Reply::ordered(vault_json(*updated, options_.vault_dns_suffix), creating ? 201 : 200);
}

Result<Reply> ArmService::recover_vault(Call& call, const VaultSettings& deleted,
                                        const std::string& group) {
  VaultSettings v = deleted;
  v.deleted_at.reset();
  v.scheduled_purge_at.reset();
  v.resource_group = group;
  v.arm["systemData"] =
      system_data(call.caller, core::format_rfc3339(clock_.now()), deleted.arm["systemData"]);
  vaults_.put(v);
  return Reply::ordered(vault_json(v, options_.vault_dns_suffix), 200);
}

Result<Reply> ArmService::patch_vault(Call& call) {
  auto body = call.body();
  if (!body) return body.error();
  auto tracked = read_tracked_body(*body, true);
  if (!tracked) return tracked.error();
  const auto* props = tracked->properties;
  const auto* tags = &tracked->tags;
  std::lock_guard l(write_mu_);
  auto vault = vault_in_group(call);
  if (!vault) return vault.error();
  auto updated = props ? apply_vault_properties(*props, *vault, false) : Result(*vault);
  if (!updated) return updated.error();
  if (body->contains("tags")) updated->tags = *tags;
  updated->arm["systemData"] =
      system_data(call.caller, core::format_rfc3339(clock_.now()), vault->arm["systemData"]);
  vaults_.put(*updated);
  return Reply::ordered(vault_json(*updated, options_.vault_dns_suffix));
}

Result<Reply> ArmService::get_vault(Call& call) {
  auto vault = vault_in_group(call);
  if (!vault) return vault.error();
  return Reply::ordered(vault_json(*vault, options_.vault_dns_suffix));
}

// Vaults_Delete: 200, or 204 when there is nothing to delete (keyvault.json).
Result<Reply> ArmService::delete_vault(Call& call) {
  std::lock_guard l(write_mu_);
  auto vault = vault_in_group(call);
  if (!vault) {
    if (vault.error().code == "ResourceGroupNotFound") return vault.error();
    return Reply::empty(204);
  }
  soft_delete(*vault);
  return Reply::empty(200);
}

// Deleting a vault removes its role assignments; recovery does not restore them (reference §7).
// One transaction, durable before the reply, so an acknowledged delete survives kill -9 whole.
void ArmService::soft_delete(const VaultSettings& vault) {
  remove_vaults({vault}, {}, vault.resource_id());
}

void ArmService::remove_vaults(const std::vector<VaultSettings>& deleting,
                               const std::vector<std::string>& purging, const std::string& scope,
                               std::vector<store::Op> with) {
  const int64_t now = clock_.now_unix_seconds();
  std::vector<VaultSettings> soft_deleted;
  std::vector<std::string> purged = purging;
  for (VaultSettings vault : deleting) {
    if (!vault.soft_delete) {
      purged.push_back(vault.name);
      continue;
    }
    vault.deleted_at = now;
    vault.scheduled_purge_at = now + int64_t{vault.retention_days} * 86400;
    soft_deleted.push_back(std::move(vault));
  }
  for (auto& op : assignments_.erase_ops_under(scope)) with.push_back(std::move(op));
  vaults_.remove(soft_deleted, purged, std::move(with));
  assignments_.forget_under(scope);
  for (const auto& vault : soft_deleted)
    schedule_vault_purge(vault.name, *vault.scheduled_purge_at);
}

Result<Reply> ArmService::list_vaults_in_group(Call& call) {
  if (auto e = check_group(call)) return *e;
  OrderedJson value = OrderedJson::array();
  for (const auto& v : vaults_.list()) {
    if (same(v.resource_group, call.param("rg"))) {
      value.push_back(vault_json(v, options_.vault_dns_suffix));
    }
  }
  return list_reply(value);
}

Result<Reply> ArmService::list_vaults(Call&) {
  OrderedJson value = OrderedJson::array();
  for (const auto& v : vaults_.list()) value.push_back(vault_json(v, options_.vault_dns_suffix));
  return list_reply(value);
}

Result<Reply> ArmService::empty_list(Call&) {
  return list_reply(OrderedJson::array());
}

// Vaults_UpdateAccessPolicy: add merges permissions per (tenantId, objectId, applicationId),
// replace overwrites them, remove drops the entries (keyvault.json AccessPolicyUpdateKind).
Result<Reply> ArmService::update_access_policy(Call& call) {
  const std::string kind = core::to_lower(call.param("kind"));
  if (kind != "add" && kind != "replace" && kind != "remove") {
    return errors::bad_request("Invalid access policy update kind '" + call.param("kind") + "'.");
  }
  auto props = call.body_properties();
  if (!props) return props.error();
  FieldReader pr(*props, "properties");
  const auto* list = pr.array("accessPolicies");
  if (pr.error()) return *pr.error();
  if (!list) return errors::bad_request("The property 'properties.accessPolicies' is required.");
  auto policies = parse_access_policies(*list);
  if (!policies) return policies.error();
  std::lock_guard l(write_mu_);
  auto vault = vault_in_group(call);
  if (!vault) return vault.error();
  auto key = [](const keyvault::AccessPolicy& p) {
    return core::to_lower(p.tenant_id + "/" + p.object_id + "/" + p.application_id);
  };
  auto& current = vault->access_policies;
  for (const auto& p : *policies) {
    auto it = std::find_if(current.begin(), current.end(),
                           [&](const auto& c) { return key(c) == key(p); });
    if (kind == "remove") {
      if (it != current.end()) current.erase(it);
    } else if (it == current.end()) {
      current.push_back(p);
    } else if (kind == "replace") {
      *it = p;
    } else {
      auto merge = [](std::vector<std::string>& into, const std::vector<std::string>& add) {
        for (const auto& a : add) {
          if (std::none_of(into.begin(), into.end(), [&](const auto& x) { return same(x, a); })) {
            into.push_back(a);
          }
        }
      };
      merge(it->keys, p.keys);
      merge(it->secrets, p.secrets);
      merge(it->certificates, p.certificates);
      merge(it->storage, p.storage);
    }
  }
  vaults_.put(*vault);
  OrderedJson out_list =
      vault_json(*vault, options_.vault_dns_suffix)["properties"]["accessPolicies"];
  return Reply::ordered(OrderedJson{{"id", vault->resource_id() + "/accessPolicies/" + kind},
                                    {"name", kind},
                                    {"type", "Microsoft.KeyVault/vaults/accessPolicies"},
                                    {"location", vault->location},
                                    {"properties", {{"accessPolicies", out_list}}}});
}

// Vaults_CheckNameAvailability (keyvault.json CheckNameAvailabilityResult).
Result<Reply> ArmService::check_name_availability(Call& call) {
  auto body = call.body();
  if (!body) return body.error();
  FieldReader r(*body, "");
  auto name = r.str("name");
  auto type = r.str("type");
  if (r.error()) return *r.error();
  if (!name) return errors::bad_request("The property 'name' is required.");
  if (!type || !same(*type, "Microsoft.KeyVault/vaults")) {
    return errors::bad_request("The property 'type' must be 'Microsoft.KeyVault/vaults'.");
  }
  if (!keyvault::is_valid_vault_name(*name)) {
    return Reply::ordered(OrderedJson{{"nameAvailable", false},
                                      {"reason", "AccountNameInvalid"},
                                      {"message", errors::vault_name_invalid(*name).message}});
  }
  if (vaults_.find_any(*name)) {
    return Reply::ordered(
        OrderedJson{{"nameAvailable", false},
                    {"reason", "AlreadyExists"},
                    {"message", "The vault name '" + *name + "' is already in use."}});  // [U]
  }
  return Reply::ordered(OrderedJson{{"nameAvailable", true}});
}

}  // namespace kmslab::arm
