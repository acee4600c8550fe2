#pragma once
// Times read back from records as milliseconds. A damaged record must not overflow the clock's
// nanosecond count (undefined behaviour), so past +-285 years there is no Duration.
#include <chrono>
#include <cstdint>
#include <optional>

#include "emulator/core/clock.hpp"

namespace kmslab::core {

inline std::optional<Duration> duration_from_ms(int64_t ms) {
  constexpr int64_t kLimit = 9'000'000'000'000;  // ms; times 1e6 stays inside int64
  if (ms > kLimit || ms < -kLimit) return std::nullopt;
  return std::chrono::duration_cast<Duration>(std::chrono::milliseconds(ms));
}

}  // namespace kmslab::core
