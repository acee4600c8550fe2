#pragma once
// metadata.managedFields as kube-apiserver's field manager keeps them for Update operations:
// a manager that changes an object owns the fields it set (FieldsV1), with the time of the change;
// an update that changes nothing changes no entry, so a no-op update stays byte-identical
// (what the storage migration of reference kms.md §6.1 relies on).
#include <nlohmann/json.hpp>
#include <string>

namespace kmslab::apiserver::k8s {

/// FieldsV1 of an object's user fields: {"f:data":{".":{},"f:k":{}},"f:type":{}, ...}.
nlohmann::json fields_v1(const nlohmann::json& object);

/// Sets `object`'s managedFields after a create (`old` null) or an update by `manager` at `time`.
void update_managed_fields(nlohmann::json& object, const nlohmann::json* old,
                           const std::string& manager, const std::string& time);

}  // namespace kmslab::apiserver::k8s
