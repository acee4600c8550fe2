// The Microsoft Graph v1.0 calls az 2.45 makes around these commands (role module
// _msgrpah/_graph_client.py):
//   GET  /v1.0/me                          az keyvault create (the signed-in user's object id);
//        an app-only token gets Graph's 400, and az falls back to
//   GET  /v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c eq '{appId}')
//   POST /v1.0/directoryObjects/getByIds   az role assignment list (principal names)
#include <regex>

#include "emulator/arm/call.hpp"
#include "emulator/arm/errors.hpp"
#include "emulator/arm/json_fields.hpp"
#include "emulator/identity/ids.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;

namespace {

nlohmann::json sp_json(const std::string& id, const std::string& app_id, const std::string& name,
                       const char* kind) {
  return {{"@odata.type", "#microsoft.graph.servicePrincipal"},
          {"id", id},
          {"appId", app_id},
          {"displayName", name},
          {"servicePrincipalNames", {app_id}},
          {"servicePrincipalType", kind}};
}

}  // namespace

Result<Reply> ArmService::graph_me(Call&) {
  return errors::graph_me_needs_delegated();
}

Result<Reply> ArmService::graph_service_principals(Call& call) {
  const std::string filter = call.ctx.query_param("$filter").value_or("");
  static const std::regex kByName(R"(^servicePrincipalNames/any\(c:c eq '([^']{1,256})'\)$)",
                                  std::regex::icase);
  std::smatch m;
  if (filter.size() > 512 || !std::regex_match(filter, m, kByName)) {
    return errors::bad_request("Unsupported or invalid query filter clause specified.");
  }
  const std::string app_id = core::to_lower(m[1].str());
  nlohmann::json value = nlohmann::json::array();
  if (auto sp = directory_.find_service_principal(app_id)) {
    value.push_back(sp_json(sp->object_id, sp->app_id, sp->display_name, "Application"));
  } else if (app_id == core::to_lower(call.caller.app_id)) {
    value.push_back(sp_json(call.caller.object_id, app_id, app_id, "Application"));
  } else if (identity::is_guid(app_id) && directory_.list_service_principals().empty()) {
    // The open directory: any client id signs in, with this object id (identity/ids.hpp).
    value.push_back(sp_json(identity::object_id_for(options_.tenant_id, app_id), app_id, app_id,
                            "Application"));
  }
  return Reply::json(
      {{"@odata.context", "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals"},
       {"value", value}});
}

Result<Reply> ArmService::graph_get_by_ids(Call& call) {
  auto body = call.body();
  if (!body) return body.error();
  FieldReader r(*body, "");
  auto ids = r.strings("ids");
  if (r.error()) return *r.error();
  nlohmann::json value = nlohmann::json::array();
  for (const auto& id : ids.value_or(std::vector<std::string>{})) {
    if (auto m = directory_.find_managed_identity_by_principal_id(id)) {
      value.push_back(sp_json(m->principal_id, m->client_id, m->name, "ManagedIdentity"));
      continue;
    }
    for (const auto& sp : directory_.list_service_principals()) {
      if (core::to_lower(sp.object_id) == core::to_lower(id)) {
        value.push_back(sp_json(sp.object_id, sp.app_id, sp.display_name, "Application"));
      }
    }
  }
  return Reply::json(
      {{"@odata.context", "https://graph.microsoft.com/v1.0/$metadata#directoryObjects"},
       {"value", value}});
}

}  // namespace kmslab::arm
