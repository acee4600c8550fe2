#pragma once
// When and how long to wait before sending a request again: exponential back-off with jitter on
// 429 and 5xx, honouring Retry-After (delta-seconds or an HTTP date), as the Azure SDKs' default
// retry policies do. 401/403/404 and other 4xx are final: sending them again cannot succeed.
#include <chrono>
#include <optional>
#include <string_view>

#include "emulator/core/clock.hpp"
#include "emulator/core/rng.hpp"

namespace kmslab::core::client {

struct RetryPolicy {
  int max_attempts = 4;  // first try included; 1 disables retries
  std::chrono::milliseconds base_delay{800};
  std::chrono::milliseconds max_delay{30'000};
};

/// True for statuses a later attempt may succeed on.
bool retryable_status(unsigned status);

/// Parses Retry-After: "120" or an IMF-fixdate relative to `now`. nullopt when absent/malformed.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, TimePoint now);

/// The wait before attempt `attempt + 1` (attempt counts from 1): base * 2^(attempt-1), capped
/// at max_delay, scaled by a jitter factor in [0.8, 1.2) drawn from `rng`.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt, Rng& rng);

}  // namespace kmslab::core::client
