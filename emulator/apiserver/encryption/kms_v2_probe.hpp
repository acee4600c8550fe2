#pragma once
// The per-provider KMS v2 state machine, on the injected virtual clock ([AS] config.go
// kmsv2PluginProbe, primeAndProbeKMSv2, rotateDEKOnKeyIDChange; kms.md §4.4):
// - start(): one check inline (prime); if it failed, a 10 s poll until a success; and a poll on
//   a 60 s grid that, on a failure, switches to 10 s polls until a success.
// - check(): memoised 20 s / 3 s; Status, validated (§4.5); a new seed (or DEK) and one Encrypt
//   only when there is no state or Status.key_id changed; otherwise the write state's expiry
//   moves to now + 3 min, so writes fail 3 minutes after the last good Status.
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emulator/apiserver/encryption/kms_v2.hpp"
#include "emulator/apiserver/encryption/probe_memo.hpp"
#include "emulator/core/clock.hpp"

namespace kmslab::apiserver::encryption {

inline constexpr auto kV2PositiveInterval = std::chrono::minutes(1);
inline constexpr auto kV2NegativeInterval = std::chrono::seconds(10);
inline constexpr auto kV2WriteStateMaxTtl = std::chrono::minutes(3);

/// What differs by Kubernetes release (kms.md §1.3, §4.2).
struct KmsV2Profile {
  bool use_seed = true;        // 1.29+: HKDF seed (type 1); 1.27-1.28: one AES key (type 0)
  bool counter_nonce = false;  // 1.27-1.28 type 0 writes: 4 random bytes || LE u64 counter
  std::vector<std::string> accepted_versions{"v2", "v2beta1"};
  std::string expected_version = "v2";
};

class KmsV2Probe : public std::enable_shared_from_this<KmsV2Probe> {
 public:
  KmsV2Probe(std::string name, std::shared_ptr<KmsV2Service> service, core::VirtualClock& clock,
             core::Rng& rng, KmsV2Profile profile, EncryptionMetrics* metrics = nullptr,
             std::string apiserver_id = {});
  ~KmsV2Probe();
  KmsV2Probe(const KmsV2Probe&) = delete;
  KmsV2Probe& operator=(const KmsV2Probe&) = delete;

  /// Primes inline and starts the background polls (call once, on a shared_ptr).
  void start();
  /// nullopt when healthy, else the text /healthz shows.
  std::optional<std::string> check();
  /// The write state; throws TransformError when there is none valid.
  KmsV2State current_state() const;
  const std::string& name() const { return name_; }

 private:
  std::optional<std::string> check_locked();
  std::optional<std::string> healthy_and_maybe_rotate(const V2Status& status);
  std::optional<std::string> rotate(const std::string& status_key_id, const std::string& uid);
  KmsV2State state_or_throw(const KmsV2State& s) const;
  void schedule(core::Duration after, void (KmsV2Probe::*step)());
  void schedule_at(core::TimePoint at, void (KmsV2Probe::*step)());
  void prime_retry();  // 10 s polls after a failed prime, until a success
  void outer_tick();   // the 60 s grid
  void outer_fast();   // 10 s polls the grid waits on after a failure

  const std::string name_;
  std::shared_ptr<KmsV2Service> service_;
  core::VirtualClock& clock_;
  core::Rng& rng_;
  const KmsV2Profile profile_;
  EncryptionMetrics* metrics_;
  const std::string apiserver_id_;

  mutable std::mutex mu_;  // serialises check(), as kube-apiserver's probe mutex
  ProbeMemo memo_;
  std::string first_version_;
  mutable std::mutex state_mu_;  // the state is read by every write; never held across a call
  KmsV2State state_;
  core::TimePoint started_{};
  std::mutex timers_mu_;
  std::set<core::VirtualClock::TimerId> timers_;
};

}  // namespace kmslab::apiserver::encryption
