#include "emulator/aks/supervisor/census.hpp"

namespace kmslab::aks {

std::optional<bool> census_says_in_use(const nlohmann::json& census, const std::string& provider) {
  if (!census.is_object() || census.value("kind", "") != "StorageProviders") return std::nullopt;
  const auto resources = census.find("resources");
  if (resources == census.end() || !resources->is_object()) return std::nullopt;
  const std::string prefixes[] = {"k8s:enc:kms:v2:" + provider + ":",
                                  "k8s:enc:kms:v1:" + provider + ":"};
  for (const auto& [resource, counts] : resources->items()) {
    if (!counts.is_object()) return std::nullopt;
    for (const auto& prefix : prefixes) {
      const auto n = counts.find(prefix);
      if (n != counts.end() && n->is_number_integer() && n->get<int64_t>() > 0) return true;
    }
  }
  const auto complete = census.find("complete");
  if (complete == census.end() || !complete->is_boolean() || !complete->get<bool>())
    return std::nullopt;
  return false;
}

}  // namespace kmslab::aks
