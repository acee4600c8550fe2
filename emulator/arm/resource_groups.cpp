#include "emulator/arm/resource_groups.hpp"

#include <cctype>

#include "emulator/core/router.hpp"

namespace kmslab::arm {

namespace {
const std::string kPrefix = "/arm/rg/";
}

nlohmann::json ResourceGroup::to_json() const {
  return {{"name", name}, {"location", location}, {"tags", tags}};
}

ResourceGroup ResourceGroup::from_json(const nlohmann::json& j) {
  return {j.value("name", ""), j.value("location", ""), j.value("tags", nlohmann::json::object())};
}

// learn.microsoft.com azure-resource-manager/management/resource-name-rules (resourcegroups).
bool is_valid_group_name(const std::string& name) {
  if (name.empty() || name.size() > 90 || name.back() == '.') return false;
  for (char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                    c == '.' || c == '(' || c == ')';
    if (!ok) return false;
  }
  return true;
}

ResourceGroups::ResourceGroups(store::Store& store, ResourceGroup implicit)
    : store_(store), implicit_(std::move(implicit)) {}

std::optional<ResourceGroup> ResourceGroups::find(const std::string& name) const {
  if (auto kv = store_.get(kPrefix + core::to_lower(name))) {
    auto j = nlohmann::json::parse(kv->value, nullptr, false);
    if (!j.is_discarded()) return ResourceGroup::from_json(j);
  }
  if (!implicit_.name.empty() && core::to_lower(name) == core::to_lower(implicit_.name)) {
    return implicit_;
  }
  return std::nullopt;
}

void ResourceGroups::put(const ResourceGroup& group) {
  store_.put(kPrefix + core::to_lower(group.name), group.to_json().dump());
}

store::Op ResourceGroups::erase_op(const std::string& name) const {
  return store::Op::del(kPrefix + core::to_lower(name));
}

std::vector<ResourceGroup> ResourceGroups::list() const {
  std::vector<ResourceGroup> out;
  bool implicit_seen = implicit_.name.empty();
  for (const auto& kv : store_.range(kPrefix).kvs) {
    auto j = nlohmann::json::parse(kv.value, nullptr, false);
    if (j.is_discarded()) continue;
    out.push_back(ResourceGroup::from_json(j));
    if (core::to_lower(out.back().name) == core::to_lower(implicit_.name)) implicit_seen = true;
  }
  if (!implicit_seen) out.insert(out.begin(), implicit_);
  return out;
}

}  // namespace kmslab::arm
