#pragma once
// Key Vault's service limits (reference/keyvault.md §6): per vault, per 10-second window, weighted
// by key type and enforced on the sum. CREATE has its own budget. Requests refused with 429 do
// not count. A window ends 10 s of real time after its first request, or earlier when the virtual
// clock is moved past it (so a frozen manual clock does not freeze the budget, and advancing opens
// a new window).
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "emulator/core/api_error.hpp"
#include "emulator/core/clock.hpp"

namespace kmslab::keyvault {

struct ThrottleLimits {
  bool enabled = true;
  int create_per_window = 20;   // software keys; HSM creates count double (10)
  int other_per_window = 4000;  // RSA-2048 / EC software; the unit of weight
  int rsa3072_per_window = 1000;
  int rsa4096_per_window = 500;
  std::chrono::seconds window{10};
  bool retry_after = false;  // the one captured real 429 had no Retry-After (unverified)
};

class Throttle {
 public:
  enum class Kind { kCreate, kOther };

  Throttle(ThrottleLimits limits, const core::Clock& clock,
           std::function<core::TimePoint()> real_time = core::wall_clock_now)
      : limits_(limits), clock_(clock), real_time_(std::move(real_time)) {}

  /// Charges one request on a key of `kty` / `bits` (empty kty: not a key operation).
  std::optional<core::ApiError> admit(const std::string& vault, Kind kind, const std::string& kty,
                                      int bits);

 private:
  /// The request's weight in units of the "other" budget (creates: of the create budget).
  double weight(Kind kind, const std::string& kty, int bits) const;

  struct Window {
    int64_t index = -1;          // window of the virtual clock
    core::TimePoint real_start;  // first request of the window, in real time
    double create = 0;
    double other = 0;
  };
  ThrottleLimits limits_;
  const core::Clock& clock_;
  std::function<core::TimePoint()> real_time_;
  std::mutex mu_;
  std::map<std::string, Window> windows_;
};

}  // namespace kmslab::keyvault
