#pragma once
// GET /_kmslab/kms-calls[?since=SEQ]: the apiserver's recent plugin calls, for the AKS KMS
// detector (emulator/aks/detector.hpp), which is where a real cluster's support staff would read
// the sidecar's errors (aks.md §4, O2). A bounded ring: the oldest calls fall off; `seq` counts
// every call since the process started, so a reader that asks `since` the last seq it saw gets
// only what is new, and a gap in seq says calls fell off in between.
//   {"calls":[{"seq","time" (RFC 3339, the apiserver's virtual clock),"provider","method",
//              "code" (gRPC code name),"seconds","error" (the plugin's message; "" on OK)}]}
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "emulator/apiserver/encryption/kms_service.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::apiserver::health {

class KmsCallRing {
 public:
  static constexpr size_t kDefaultCapacity = 512;
  using Now = std::function<core::TimePoint()>;
  /// `now` dates each call (the apiserver's clock, which may be built after the ring).
  explicit KmsCallRing(Now now, size_t capacity = kDefaultCapacity);

  void record(const encryption::KmsCall& call);
  /// The calls with seq > `since`, oldest first, as the route's body.
  nlohmann::json since(uint64_t since) const;
  uint64_t last_seq() const;

 private:
  struct Entry {
    uint64_t seq;
    core::TimePoint time;
    encryption::KmsCall call;
  };
  const Now now_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<Entry> entries_;
  uint64_t next_seq_ = 1;
};

/// The `since` query value: absent is 0; nullopt for anything but a decimal uint64.
std::optional<uint64_t> parse_since(const std::optional<std::string>& value);

/// Registers GET /_kmslab/kms-calls on `group` (the caller's admin-authenticated group).
void register_kms_calls_route(core::Router& router, core::Router::GroupId group,
                              const KmsCallRing& ring);

}  // namespace kmslab::apiserver::health
