// Microsoft.Authorization at any scope: roleAssignments (PUT/GET/DELETE by name, list with the
// $filter forms az sends) and the built-in roleDefinitions (GET by id, list by roleName).
// Shapes: authorization-RoleAssignmentsCalls.json 2020-04-01-preview / 2022-04-01,
// authorization-RoleDefinitionsCalls.json 2018-01-01-preview.
#include <regex>

#include "emulator/arm/call.hpp"
#include "emulator/arm/errors.hpp"
#include "emulator/arm/json_fields.hpp"
#include "emulator/arm/vault_json.hpp"
#include "emulator/identity/ids.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;
using identity::RoleAssignment;
using identity::RoleDefinition;

namespace {

const std::string kAuthz = "/providers/microsoft.authorization/";
// std::regex recurses per character: longer filters are refused before matching.
constexpr size_t kMaxFilter = 512;

// The scope is the path before "/providers/Microsoft.Authorization/"; "" is the root "/".
std::string scope_of(const std::string& path) {
  const size_t at = core::to_lower(path).rfind(kAuthz);
  std::string scope = path.substr(0, at == std::string::npos ? 0 : at);
  while (scope.size() > 1 && scope.back() == '/') scope.pop_back();
  return scope.empty() ? "/" : scope;
}

std::string definition_prefix(const std::string& scope, const std::string& sub) {
  return (scope == "/" ? std::string() : "/subscriptions/" + sub) +
         "/providers/Microsoft.Authorization/roleDefinitions/";
}

OrderedJson definition_json(const RoleDefinition& d, const std::string& prefix) {
  OrderedJson perm = {{"actions", d.actions},
                      {"notActions", d.not_actions},
                      {"dataActions", d.data_actions},
                      {"notDataActions", d.not_data_actions}};
  return {{"properties",
           {{"roleName", d.role_name},
            {"type", "BuiltInRole"},
            {"description", d.description},
            {"assignableScopes", {"/"}},
            {"permissions", {perm}},
            {"createdOn", "2015-02-02T21:55:09.8806423Z"},  // [U] per role
            {"updatedOn", "2021-11-11T20:13:47.8628684Z"},
            {"createdBy", nullptr},
            {"updatedBy", nullptr}}},
          {"id", prefix + d.id},
          {"type", "Microsoft.Authorization/roleDefinitions"},
          {"name", d.id}};
}

OrderedJson assignment_json(const RoleAssignment& a) {
  return {{"properties",
           {{"roleDefinitionId", a.role_definition_id},
            {"principalId", a.principal_id},
            {"principalType", a.principal_type},
            {"scope", a.scope},
            {"condition", nullptr},
            {"conditionVersion", nullptr},
            {"createdOn", a.created_on},
            {"updatedOn", a.created_on},
            {"createdBy", a.created_by},
            {"updatedBy", a.created_by},
            {"delegatedManagedIdentityResourceId", nullptr},
            {"description", a.description.empty() ? OrderedJson() : OrderedJson(a.description)}}},
          {"id", a.id()},
          {"type", "Microsoft.Authorization/roleAssignments"},
          {"name", a.name}};
}

bool same(const std::string& a, const std::string& b) {
  return core::to_lower(a) == core::to_lower(b);
}

}  // namespace

std::optional<core::ApiError> ArmService::check_scope(const Call& call,
                                                      const std::string& scope) const {
  if (scope == "/") return std::nullopt;
  const auto parts = core::split_path(scope);
  if (parts.size() < 2 || !same(std::string(parts[0]), "subscriptions")) {
    return errors::bad_request("The scope '" + scope + "' is not valid.");  // [U]
  }
  if (!same(std::string(parts[1]), options_.subscription_id)) {
    return errors::subscription_not_found(std::string(parts[1]));
  }
  if (parts.size() >= 4 && same(std::string(parts[2]), "resourceGroups") &&
      !groups_.find(std::string(parts[3]))) {
    return errors::resource_group_not_found(std::string(parts[3]));
  }
  (void)call;
  return std::nullopt;
}

bool ArmService::principal_known(const std::string& id) const {
  if (directory_.find_managed_identity_by_principal_id(id)) return true;
  for (const auto& sp : directory_.list_service_principals()) {
    if (same(sp.object_id, id)) return true;
  }
  return false;
}

Result<Reply> ArmService::put_role_assignment(Call& call) {
  const std::string scope = scope_of(call.ctx.path);
  if (auto e = check_scope(call, scope)) return *e;
  const std::string& name = call.param("name");
  if (!identity::is_guid(name)) return errors::invalid_role_assignment_id(name);
  auto props = call.body_properties();
  if (!props) return props.error();
  FieldReader pr(*props, "properties");
  auto role = pr.str("roleDefinitionId");
  auto principal = pr.str("principalId");
  auto type = pr.str("principalType");
  auto description = pr.str("description");
  if (pr.error()) return *pr.error();
  if (!role) return errors::bad_request("The property 'roleDefinitionId' is required.");
  if (!principal || !identity::is_guid(*principal)) {
    return errors::bad_request("The property 'principalId' must be a GUID.");  // [U]
  }
  const auto slash = role->rfind('/');
  const std::string guid = role->substr(slash == std::string::npos ? 0 : slash + 1);
  const RoleDefinition* def = identity::is_guid(guid) ? identity::find_builtin_role(guid) : nullptr;
  if (!def) return errors::role_definition_not_found(guid);
  static const std::vector<std::string> kTypes = {"User", "Group", "ServicePrincipal",
                                                  "ForeignGroup", "Device"};
  std::string principal_type = "ServicePrincipal";
  if (type) {
    auto it =
        std::find_if(kTypes.begin(), kTypes.end(), [&](const auto& t) { return same(t, *type); });
    if (it == kTypes.end()) return errors::invalid_principal_type(*type);
    principal_type = *it;
  } else if (!principal_known(*principal) && !same(*principal, call.caller.object_id)) {
    return errors::principal_not_found(*principal, options_.tenant_id);
  }
  RoleAssignment a{core::to_lower(name),
                   scope,
                   definition_prefix(scope, options_.subscription_id) + def->id,
                   core::to_lower(*principal),
                   principal_type,
                   description.value_or(""),
                   core::format_rfc3339(clock_.now()),
                   call.caller.object_id};
  std::lock_guard l(write_mu_);
  for (const auto& existing : assignments_.list()) {
    const bool dup = same(existing.scope, scope) && same(existing.principal_id, a.principal_id) &&
                     same(existing.role_guid(), def->id);
    if (dup) return errors::role_assignment_exists();
    if (same(existing.name, name)) return errors::role_assignment_update_not_permitted();
  }
  assignments_.put(a);
  return Reply::ordered(assignment_json(a), 201);
}

Result<Reply> ArmService::get_role_assignment(Call& call) {
  const std::string scope = scope_of(call.ctx.path);
  if (auto e = check_scope(call, scope)) return *e;
  auto a = assignments_.find(call.param("name"));
  if (!a || !same(a->scope, scope)) return errors::role_assignment_not_found(call.param("name"));
  return Reply::ordered(assignment_json(*a));
}

// RoleAssignments_Delete: 200 with the deleted assignment, 204 when there was none.
Result<Reply> ArmService::delete_role_assignment(Call& call) {
  const std::string scope = scope_of(call.ctx.path);
  if (auto e = check_scope(call, scope)) return *e;
  std::lock_guard l(write_mu_);
  auto a = assignments_.find(call.param("name"));
  if (!a || !same(a->scope, scope)) return Reply::empty(204);
  assignments_.erase(a->name);
  return Reply::ordered(assignment_json(*a));
}

// $filter: none (at, above and below the scope), atScope() (at or above), principalId eq '{id}'
// and assignedTo('{id}') (the principal's, at, above or below) — the forms az 2.45 sends.
Result<Reply> ArmService::list_role_assignments(Call& call) {
  const std::string scope = scope_of(call.ctx.path);
  if (auto e = check_scope(call, scope)) return *e;
  const std::string filter = call.ctx.query_param("$filter").value_or("");
  if (filter.size() > kMaxFilter) return errors::unsupported_filter(filter.substr(0, 64));
  static const std::regex kPrincipal(
      R"(^\s*(principalId\s+eq\s+'([^']*)'|assignedTo\('([^']*)'\))\s*$)", std::regex::icase);
  std::smatch m;
  const bool at_scope = same(filter, "atScope()");
  std::string principal;
  if (!filter.empty() && !at_scope) {
    if (!std::regex_match(filter, m, kPrincipal)) return errors::unsupported_filter(filter);
    principal = m[2].matched ? m[2].str() : m[3].str();
  }
  OrderedJson value = OrderedJson::array();
  for (const auto& a : assignments_.list()) {
    const bool above = identity::scope_covers(a.scope, scope);
    const bool below = identity::scope_covers(scope, a.scope);
    if (at_scope ? !above : !(above || below)) continue;
    if (!principal.empty() && !same(a.principal_id, principal)) continue;
    value.push_back(assignment_json(a));
  }
  return Reply::ordered(OrderedJson{{"value", value}});
}

Result<Reply> ArmService::get_role_definition(Call& call) {
  const std::string scope = scope_of(call.ctx.path);
  if (auto e = check_scope(call, scope)) return *e;
  const std::string& id = call.param("name");
  const RoleDefinition* d = identity::is_guid(id) ? identity::find_builtin_role(id) : nullptr;
  if (!d) return errors::role_definition_not_found(id);
  return Reply::ordered(definition_json(*d, definition_prefix(scope, options_.subscription_id)));
}

// $filter: roleName eq '{name}' (az role assignment create --role NAME) or type eq 'BuiltInRole'.
Result<Reply> ArmService::list_role_definitions(Call& call) {
  const std::string scope = scope_of(call.ctx.path);
  if (auto e = check_scope(call, scope)) return *e;
  const std::string filter = call.ctx.query_param("$filter").value_or("");
  if (filter.size() > kMaxFilter) return errors::unsupported_filter(filter.substr(0, 64));
  static const std::regex kName(R"(^\s*roleName\s+eq\s+'(.*)'\s*$)", std::regex::icase);
  static const std::regex kType(R"(^\s*type\s+eq\s+'BuiltInRole'\s*$)", std::regex::icase);
  std::smatch m;
  std::string name;
  if (!filter.empty()) {
    if (std::regex_match(filter, m, kName)) {
      name = m[1].str();
    } else if (!std::regex_match(filter, kType)) {
      return errors::unsupported_filter(filter);
    }
  }
  OrderedJson value = OrderedJson::array();
  for (const auto& d : identity::builtin_roles()) {
    if (!name.empty() && !same(d.role_name, name)) continue;
    value.push_back(definition_json(d, definition_prefix(scope, options_.subscription_id)));
  }
  return Reply::ordered(OrderedJson{{"value", value}});
}

}  // namespace kmslab::arm
