#pragma once
// The AKS KMS detector (seed O1, O2; aks.md §4 "Diagnose and solve problems", D4): what the
// portal's "Azure KeyVault KMS Integration Issues" detector reports, derived from real state
// (the cluster's keys, their vaults, the identity, its access, the vault's firewall as seen from
// the cluster's egress address) and from what the cluster's apiserver observed (its health
// checks and the plugin's errors, ControlPlaneObservation). Nothing here knows scenarios: each
// finding is a fact about the cluster now, with the documented remedies.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/aks/cluster.hpp"
#include "emulator/aks/control_plane.hpp"
#include "emulator/aks/validation.hpp"

namespace kmslab::aks {

struct DetectorOptions {
  /// A key that expires within this is a warning (not documented by AKS [U]).
  int64_t expiry_warning_seconds = 7 * 24 * 3600;
  /// KMS v1's documented limit (L4, D1) and the share of it that warns [U].
  int64_t v1_secret_limit = 2000;
  double v1_secret_warning_ratio = 0.9;
};

struct Finding {
  std::string code;
  std::string status;  // critical | warning | info | success
  std::string message;
  std::vector<std::string> remedies;
  nlohmann::json evidence = nlohmann::json::object();
  std::string provider;             // the provider the finding is about ("" for the cluster)
  std::vector<std::string> relays;  // Key Vault codes an observed plugin error confirms it by
  nlohmann::json to_json() const;
};

struct Diagnosis {
  nlohmann::json kms;  // the "kms" summary (emulator/aks/README.md, "The KMS detector")
  std::vector<Finding> findings;
  /// The worst status among the findings.
  std::string overall() const;
  nlohmann::json to_json() const;  // {"kms","findings"}
};

Diagnosis diagnose(const ManagedCluster& cluster, const ValidationContext& ctx,
                   const std::optional<ControlPlaneObservation>& observed,
                   const DetectorOptions& options = {});

}  // namespace kmslab::aks
