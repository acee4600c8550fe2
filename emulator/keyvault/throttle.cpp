#include "emulator/keyvault/throttle.hpp"

#include "emulator/keyvault/errors.hpp"

namespace kmslab::keyvault {

double Throttle::weight(Kind kind, const std::string& kty, int bits) const {
  const bool hsm = kty.ends_with("-HSM");
  double w = 1;
  if (kind == Kind::kOther && kty.starts_with("RSA")) {
    if (bits >= 4096) {
      w = double(limits_.other_per_window) / limits_.rsa4096_per_window;
    } else if (bits >= 3072) {
      w = double(limits_.other_per_window) / limits_.rsa3072_per_window;
    }
  }
  return hsm ? w * 2 : w;  // HSM limits are half the software ones
}

std::optional<core::ApiError> Throttle::admit(const std::string& vault, Kind kind,
                                              const std::string& kty, int bits) {
  if (!limits_.enabled) return std::nullopt;
  const int64_t index = clock_.now_unix_seconds() / limits_.window.count();
  const core::TimePoint real_now = real_time_();
  const double w = weight(kind, kty, bits);
  std::lock_guard l(mu_);
  Window& win = windows_[vault];
  // The real-time window starts at its first request, so a burst that happens to straddle a
  // 10-second boundary of the wall clock is not split in two.
  if (win.index != index || real_now - win.real_start >= limits_.window) {
    win = Window{index, real_now, 0, 0};
  }
  double& used = kind == Kind::kCreate ? win.create : win.other;
  const int limit = kind == Kind::kCreate ? limits_.create_per_window : limits_.other_per_window;
  if (used + w > limit) {
    core::ApiError e = errors::throttled();
    if (limits_.retry_after) {
      const int64_t wait = (index + 1) * limits_.window.count() - clock_.now_unix_seconds();
      e.headers.emplace_back("Retry-After", std::to_string(std::max<int64_t>(wait, 1)));
    }
    return e;
  }
  used += w;
  return std::nullopt;
}

}  // namespace kmslab::keyvault
