#pragma once
// Server-side printing: the meta.k8s.io/v1 Table `kubectl get` asks for
// (Accept: application/json;as=Table;v=v1;g=meta.k8s.io), with printers.go's columns.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/apiserver/k8s/kinds.hpp"
#include "emulator/core/clock.hpp"

namespace kmslab::apiserver::k8s {

/// True when the Accept header asks for a Table.
bool wants_table(std::string_view accept);

/// duration.HumanDuration ("5s", "3m20s", "2d3h", ...).
std::string human_duration(core::Duration d);

nlohmann::ordered_json make_table(const Kind& kind, const std::vector<nlohmann::json>& objects,
                                  const nlohmann::json& list_metadata, core::TimePoint now);

}  // namespace kmslab::apiserver::k8s
