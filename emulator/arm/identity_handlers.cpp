// Microsoft.ManagedIdentity/userAssignedIdentities (msi.json, 2022-01-31-preview as az sends):
// PUT 201 (created) / 200, GET, DELETE 200 / 204, list by group and by subscription.
#include "emulator/arm/call.hpp"
#include "emulator/arm/errors.hpp"
#include "emulator/arm/json_fields.hpp"
#include "emulator/arm/vault_json.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;
using identity::ManagedIdentity;

namespace {

const char* kType = "Microsoft.ManagedIdentity/userAssignedIdentities";

OrderedJson identity_json(const ManagedIdentity& m) {
  return {
      {"id", m.id},
      {"name", m.name},
      {"type", kType},
      {"location", m.location},
      {"tags", m.tags},
      {"properties",
       {{"tenantId", m.tenant_id}, {"principalId", m.principal_id}, {"clientId", m.client_id}}}};
}

// 3-128 characters: letters, digits, '-' and '_', starting with a letter or digit.
bool valid_identity_name(const std::string& name) {
  if (name.size() < 3 || name.size() > 128 || !std::isalnum(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

Reply list_of(const std::vector<ManagedIdentity>& all, const std::string& group) {
  OrderedJson value = OrderedJson::array();
  for (const auto& m : all) {
    if (group.empty() || core::to_lower(m.resource_group) == core::to_lower(group)) {
      value.push_back(identity_json(m));
    }
  }
  return Reply::ordered(OrderedJson{{"value", value}});
}

}  // namespace

Result<Reply> ArmService::put_identity(Call& call) {
  const std::string& name = call.param("name");
  if (!valid_identity_name(name)) return errors::invalid_resource_name(name, kType);
  auto body = call.body();
  if (!body) return body.error();
  auto tracked = read_tracked_body(*body, false);
  if (!tracked) return tracked.error();
  const auto& location = tracked->location;
  const auto* tags = &tracked->tags;
  std::lock_guard l(write_mu_);
  auto group = group_of(call);
  if (!group) return group.error();
  const std::string id = identity::managed_identity_id(options_.subscription_id, group->name, name);
  auto existing = directory_.find_managed_identity(id);
  const bool patch = call.ctx.request.method() == core::http::verb::patch;
  if (patch && !existing) return errors::resource_not_found(kType, name, call.param("rg"));
  if (!existing && !location) return errors::location_required();
  ManagedIdentity m = existing.value_or(ManagedIdentity{});
  m.id = id;
  m.name = name;
  m.subscription_id = options_.subscription_id;
  m.resource_group = group->name;
  if (location) m.location = normalise_location(*location);
  m.tenant_id = options_.tenant_id;
  if (body->contains("tags")) m.tags = *tags;
  m = directory_.put_managed_identity(m);
  return Reply::ordered(identity_json(m), existing ? 200 : 201);
}

Result<Reply> ArmService::get_identity(Call& call) {
  if (auto e = check_group(call)) return *e;
  auto m = directory_.find_managed_identity(identity::managed_identity_id(
      options_.subscription_id, call.param("rg"), call.param("name")));
  if (!m) return errors::resource_not_found(kType, call.param("name"), call.param("rg"));
  return Reply::ordered(identity_json(*m));
}

Result<Reply> ArmService::delete_identity(Call& call) {
  std::lock_guard l(write_mu_);
  if (auto e = check_group(call)) return *e;
  const std::string id =
      identity::managed_identity_id(options_.subscription_id, call.param("rg"), call.param("name"));
  if (!directory_.erase_managed_identity(id)) return Reply::empty(204);
  return Reply::empty(200);
}

Result<Reply> ArmService::list_identities_in_group(Call& call) {
  if (auto e = check_group(call)) return *e;
  return list_of(directory_.list_managed_identities(), call.param("rg"));
}

Result<Reply> ArmService::list_identities(Call&) {
  return list_of(directory_.list_managed_identities(), "");
}

}  // namespace kmslab::arm
