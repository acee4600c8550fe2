#pragma once
// Resource groups of the emulated subscription, persisted under /arm/rg/{lower(name)}. The
// group `--resource-group` names (where --vault vaults live) always exists.
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/store/store.hpp"

namespace kmslab::arm {

struct ResourceGroup {
  std::string name;  // as created
  std::string location;
  nlohmann::json tags = nlohmann::json::object();

  nlohmann::json to_json() const;
  static ResourceGroup from_json(const nlohmann::json& j);
};

/// 1-90 characters of letters, digits, '_', '-', '.', '(' and ')', not ending in '.'.
bool is_valid_group_name(const std::string& name);

class ResourceGroups {
 public:
  ResourceGroups(store::Store& store, ResourceGroup implicit);

  std::optional<ResourceGroup> find(const std::string& name) const;
  void put(const ResourceGroup& group);
  /// The group's delete, for the transaction that removes its resources with it.
  store::Op erase_op(const std::string& name) const;
  std::vector<ResourceGroup> list() const;

 private:
  store::Store& store_;
  ResourceGroup implicit_;
};

}  // namespace kmslab::arm
