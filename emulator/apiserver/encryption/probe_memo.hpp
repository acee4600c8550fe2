#pragma once
// The memo every KMS health probe keeps ([AS] config.go kmsPluginHealthzResponse): a result is
// reused for 20 s after success and 3 s after a failure (kms.md §3.4, §4.4). A reused failure
// is the plugin's raw error; only the call that made it adds the "failed to perform ..." wrap,
// as kube-apiserver does.
#include <chrono>
#include <optional>
#include <string>

#include "emulator/core/clock.hpp"

namespace kmslab::apiserver::encryption {

inline constexpr auto kProbePositiveTtl = std::chrono::seconds(20);
inline constexpr auto kProbeNegativeTtl = std::chrono::seconds(3);

struct ProbeMemo {
  core::TimePoint received{};
  core::Duration ttl = kProbeNegativeTtl;
  std::optional<std::string> error;
  bool primed = false;

  bool fresh(core::TimePoint now) const { return primed && now - received < ttl; }
  void remember(core::TimePoint now, std::optional<std::string> err) {
    primed = true;
    received = now;
    error = std::move(err);
    ttl = error ? core::Duration(kProbeNegativeTtl) : core::Duration(kProbePositiveTtl);
  }
};

}  // namespace kmslab::apiserver::encryption
