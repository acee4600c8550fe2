#pragma once
// The detector as ARM serves it: a Microsoft.ContainerService/managedClusters/detectors resource
// in the AppLens ("Diagnose and solve problems") shape that clients such as vscode-aks-tools read
// (Azure/vscode-aks-tools src/webview-contract/webviewDefinitions/detector.ts): properties
// .metadata, .dataset[] (tables with renderingProperties; type 7 = insight rows of Status,
// Message, Data.Name, Data.Value), .status {statusId, message}; plus properties.kmslab, the
// machine-readable diagnosis (emulator/aks/README.md, "The KMS detector").
#include <nlohmann/json.hpp>
#include <string>

#include "emulator/aks/cluster.hpp"
#include "emulator/aks/detector.hpp"

namespace kmslab::aks {

inline constexpr const char* kKmsDetectorId = "azure-keyvault-kms-integration-issues";
inline constexpr const char* kKmsDetectorName = "Azure KeyVault KMS Integration Issues";

/// `cluster_id` as the request named it (ARM echoes the caller's casing).
nlohmann::ordered_json detector_resource(const std::string& cluster_id,
                                         const ManagedCluster& cluster, const Diagnosis& diagnosis);

}  // namespace kmslab::aks
