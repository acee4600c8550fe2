#include "emulator/arm/api_versions.hpp"

#include <algorithm>

#include "emulator/arm/errors.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::arm {

namespace {

// Versions: the api-version folders of Azure/azure-rest-api-specs for each provider (stable and
// preview), trimmed to those clients still send. az 2.45's profile (azure/cli/core/profiles/
// _shared.py): resources 2021-04-01, subscriptions 2019-11-01, keyvault 2022-07-01, msi
// 2022-01-31-preview, authorization 2020-04-01-preview (role definitions 2018-01-01-preview),
// metadata 2015-01-01 (msrestazure's cloud registration).
const std::vector<std::string> kMetadata = {"2015-01-01", "2019-05-01", "2020-06-01", "2022-09-01"};
const std::vector<std::string> kSubscriptions = {
    "2014-04-01-preview", "2015-11-01", "2016-01-01", "2016-06-01", "2018-06-01", "2019-06-01",
    "2019-11-01",         "2020-01-01", "2021-01-01", "2022-01-01", "2022-12-01"};
const std::vector<std::string> kResources = {
    "2014-04-01-preview", "2015-11-01", "2016-02-01", "2016-07-01", "2016-09-01", "2017-05-10",
    "2018-02-01",         "2018-05-01", "2019-05-01", "2019-05-10", "2019-07-01", "2019-08-01",
    "2019-10-01",         "2020-06-01", "2020-10-01", "2021-01-01", "2021-04-01", "2022-09-01",
    "2023-07-01",         "2024-03-01", "2024-07-01", "2024-11-01", "2025-04-01"};
const std::vector<std::string> kKeyVault = {
    "2015-06-01",         "2016-10-01",         "2018-02-14",         "2018-02-14-preview",
    "2019-09-01",         "2020-04-01-preview", "2021-04-01-preview", "2021-06-01-preview",
    "2021-10-01",         "2021-11-01-preview", "2022-02-01-preview", "2022-07-01",
    "2022-11-01",         "2023-02-01",         "2023-07-01",         "2023-08-01-preview",
    "2024-04-01-preview", "2024-11-01",         "2024-12-01-preview", "2025-05-01"};
const std::vector<std::string> kManagedIdentity = {
    "2015-08-31-preview", "2018-11-30",         "2021-09-30-preview", "2022-01-31-preview",
    "2023-01-31",         "2023-07-31-preview", "2024-11-30",         "2025-01-31-preview"};
const std::vector<std::string> kRoleAssignments = {
    "2014-04-01-preview", "2014-10-01-preview", "2015-06-01",         "2015-07-01",
    "2017-10-01-preview", "2018-01-01-preview", "2018-09-01-preview", "2018-12-01-preview",
    "2020-03-01-preview", "2020-04-01-preview", "2020-08-01-preview", "2020-10-01-preview",
    "2021-04-01-preview", "2022-01-01-preview", "2022-04-01"};
const std::vector<std::string> kRoleDefinitions = {
    "2014-04-01-preview", "2015-06-01", "2015-07-01", "2017-05-01",
    "2018-01-01-preview", "2018-07-01", "2022-04-01", "2022-05-01-preview"};
const std::vector<std::string> kNetwork = {
    "2019-04-01", "2019-06-01", "2019-07-01", "2019-08-01", "2019-09-01", "2019-11-01",
    "2019-12-01", "2020-03-01", "2020-04-01", "2020-05-01", "2020-06-01", "2020-07-01",
    "2020-08-01", "2020-11-01", "2021-02-01", "2021-03-01", "2021-05-01", "2021-08-01",
    "2022-01-01", "2022-05-01", "2022-07-01", "2022-09-01", "2022-11-01", "2023-02-01",
    "2023-04-01", "2023-05-01", "2023-06-01", "2023-09-01", "2023-11-01", "2024-01-01",
    "2024-03-01", "2024-05-01", "2024-07-01", "2024-10-01"};

// managedClusters: the stable versions from 2022-06-01 (the first with the full KMS block,
// aks.md §1.3; az 2.45 sends 2022-11-01) to 2025-07-01 (S1, with enableVnetIntegration) and
// 2025-10-01 (the default of @azure/arm-containerservice 24.1.0), plus 2016-03-30, the op-status
// URL's version (aks-recorded.md §1).
const std::vector<std::string> kContainerService = {
    "2016-03-30", "2022-06-01", "2022-07-01", "2022-09-01", "2022-11-01",
    "2023-01-01", "2023-05-01", "2023-10-01", "2024-02-01", "2024-05-01",
    "2024-09-01", "2025-01-01", "2025-07-01", "2025-10-01"};
// virtualMachineScaleSets: az 2.45's profile sends 2022-11-01 (_shared.py).
const std::vector<std::string> kCompute = {"2021-07-01", "2021-11-01", "2022-03-01",
                                           "2022-08-01", "2022-11-01", "2023-03-01",
                                           "2023-09-01", "2024-03-01", "2024-07-01"};

// managedClusters/detectors (AppLens): what public clients send (aks-mcp 2024-08-01, the AKS
// docs' `az rest` 2025-10-01), and the managedClusters versions [U: the RP's full list].
const std::vector<std::string> kDetectors = [] {
  std::vector<std::string> v = kContainerService;
  v.insert(v.end(), {"2024-08-01", "2025-10-01"});
  return v;
}();

const char* type_name(Api api) {
  switch (api) {
    case Api::kKeyVault:
      return "vaults";
    case Api::kManagedIdentity:
      return "userAssignedIdentities";
    case Api::kRoleAssignments:
      return "roleAssignments";
    case Api::kRoleDefinitions:
      return "roleDefinitions";
    case Api::kNetwork:
      return "privateEndpoints";
    case Api::kContainerService:
      return "managedClusters";
    case Api::kCompute:
      return "virtualMachineScaleSets";
    case Api::kDetectors:
      return "managedClusters/detectors";
    default:
      return "";
  }
}

bool is_provider_type(Api api) {
  return *type_name(api) != '\0';
}

}  // namespace

const std::vector<std::string>& supported_api_versions(Api api) {
  switch (api) {
    case Api::kMetadata:
      return kMetadata;
    case Api::kSubscriptions:
      return kSubscriptions;
    case Api::kResources:
      return kResources;
    case Api::kKeyVault:
      return kKeyVault;
    case Api::kManagedIdentity:
      return kManagedIdentity;
    case Api::kRoleAssignments:
      return kRoleAssignments;
    case Api::kRoleDefinitions:
      return kRoleDefinitions;
    case Api::kNetwork:
      return kNetwork;
    case Api::kContainerService:
      return kContainerService;
    case Api::kCompute:
      return kCompute;
    case Api::kDetectors:
      return kDetectors;
  }
  return kResources;
}

std::optional<core::ApiError> check_api_version(Api api, const std::optional<std::string>& version,
                                                const std::string& location) {
  if (!version || version->empty()) return errors::missing_api_version();
  const auto& supported = supported_api_versions(api);
  const std::string lower = core::to_lower(*version);
  if (std::find(supported.begin(), supported.end(), lower) != supported.end()) return std::nullopt;
  if (is_provider_type(api)) {
    return errors::no_registered_provider(*version, type_name(api), supported, location);
  }
  return errors::invalid_api_version(*version, supported);
}

}  // namespace kmslab::arm
