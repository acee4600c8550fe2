#pragma once
// Reading what a cluster's apiserver answers (ControlPlaneObservation's parts) and what its KMS
// plugin's errors say (its /metrics text goes through core::sample_value). Pure text -> values,
// so bad input only means "no evidence"; the supervisor does the HTTP, the detector the judging.
// Fuzzed by tests/fuzz/fuzz_detector_evidence.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/aks/control_plane.hpp"

namespace kmslab::aks {

/// The body of GET /_kmslab/kms-calls; entries with a missing or mistyped field are skipped.
std::vector<KmsCallRecord> parse_kms_calls(std::string_view body);

/// The names of the "[-]name failed: ..." lines of /healthz?verbose.
std::vector<std::string> failing_health_checks(std::string_view verbose_body);

/// A Key Vault error as the plugin relays it (upstream's wrapping of go-autorest's text,
/// kms.md §7.4): "... Status=403 Code=\"Forbidden\" Message=\"Operation encrypt is not allowed
/// on an expired key.\" InnerError={\"code\":\"KeyExpired\"}".
struct RelayedVaultError {
  int status = 0;
  std::string code;        // the envelope's error.code
  std::string message;     // error.message
  std::string inner_code;  // error.innererror.code ("" when none)
  /// What the portal's detector shows: "{inner or code}: {message without its final period}"
  /// (aks-recorded.md §3: "KeyExpired: Operation encrypt is not allowed on an expired key").
  std::string headline() const;
};
std::optional<RelayedVaultError> parse_relayed_vault_error(std::string_view plugin_error);

}  // namespace kmslab::aks
