#include "emulator/apiserver/health/kms_calls.hpp"

#include <charconv>

namespace kmslab::apiserver::health {

KmsCallRing::KmsCallRing(Now now, size_t capacity)
    : now_(std::move(now)), capacity_(capacity == 0 ? 1 : capacity) {}

void KmsCallRing::record(const encryption::KmsCall& call) {
  const auto now = now_();
  std::lock_guard l(mu_);
  entries_.push_back({next_seq_++, now, call});
  while (entries_.size() > capacity_) entries_.pop_front();
}

nlohmann::json KmsCallRing::since(uint64_t since) const {
  nlohmann::json calls = nlohmann::json::array();
  std::lock_guard l(mu_);
  for (const auto& e : entries_) {
    if (e.seq <= since) continue;
    calls.push_back({{"seq", e.seq},
                     {"time", core::format_rfc3339(e.time)},
                     {"provider", e.call.provider},
                     {"method", e.call.method},
                     {"code", e.call.code},
                     {"seconds", e.call.seconds},
                     {"error", e.call.error}});
  }
  return {{"calls", std::move(calls)}};
}

uint64_t KmsCallRing::last_seq() const {
  std::lock_guard l(mu_);
  return next_seq_ - 1;
}

std::optional<uint64_t> parse_since(const std::optional<std::string>& value) {
  if (!value) return 0;
  uint64_t n = 0;
  const char* first = value->data();
  const char* last = first + value->size();
  const auto [ptr, ec] = std::from_chars(first, last, n);
  if (ec != std::errc() || ptr != last || first == last) return std::nullopt;
  return n;
}

void register_kms_calls_route(core::Router& router, core::Router::GroupId group,
                              const KmsCallRing& ring) {
  router.add(group, core::http::verb::get, "/_kmslab/kms-calls", "kmslab.kms_calls",
             [&ring](core::RequestContext& ctx) -> core::Result<core::Reply> {
               const auto since = parse_since(ctx.query_param("since"));
               if (!since) {
                 return core::ApiError{400,
                                       "BadRequest",
                                       "since must be a decimal sequence number (the seq of the "
                                       "last call already read)",
                                       std::nullopt,
                                       {}};
               }
               return core::Reply::json(ring.since(*since));
             });
}

}  // namespace kmslab::apiserver::health
