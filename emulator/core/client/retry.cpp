#include "emulator/core/client/retry.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace kmslab::core::client {

bool retryable_status(unsigned status) {
  // 501 Not Implemented and 505 HTTP Version Not Supported never change on their own.
  return status == 408 || status == 429 || (status >= 500 && status != 501 && status != 505);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, TimePoint now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9') {
    unsigned long long seconds = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || ptr != value.data() + value.size() || seconds > 86'400ULL * 365) {
      return std::nullopt;
    }
    return std::chrono::milliseconds(seconds * 1000);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  std::string copy(value);
  if (copy.size() != 29 || copy.substr(25) != " GMT") return std::nullopt;
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const TimePoint at = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (at <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt, Rng& rng) {
  const int shift = std::clamp(attempt - 1, 0, 20);
  const auto raw = policy.base_delay.count() * (int64_t{1} << shift);
  const auto capped = std::min<int64_t>(raw, policy.max_delay.count());
  const double jitter = 0.8 + 0.4 * static_cast<double>(rng.next_u64() % 10'000) / 10'000.0;
  return std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(capped) * jitter));
}

}  // namespace kmslab::core::client
