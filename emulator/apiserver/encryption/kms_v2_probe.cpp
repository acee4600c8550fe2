#include "emulator/apiserver/encryption/kms_v2_probe.hpp"

#include <algorithm>

#include "emulator/apiserver/encryption/crypto.hpp"
#include "emulator/apiserver/encryption/encryption_metrics.hpp"
#include "emulator/apiserver/encryption/hkdf_gcm.hpp"
#include "emulator/apiserver/encryption/prefix.hpp"
#include "emulator/core/rng.hpp"

namespace kmslab::apiserver::encryption {
namespace {

// Go formats a zero time.Time as year 1.
std::string rfc3339_or_zero(core::TimePoint t) {
  return t == core::TimePoint{} ? "0001-01-01T00:00:00Z" : core::format_rfc3339(t);
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

}  // namespace

KmsV2Probe::KmsV2Probe(std::string name, std::shared_ptr<KmsV2Service> service,
                       core::VirtualClock& clock, core::Rng& rng, KmsV2Profile profile,
                       EncryptionMetrics* metrics, std::string apiserver_id)
    : name_(std::move(name)),
      service_(std::move(service)),
      clock_(clock),
      rng_(rng),
      profile_(std::move(profile)),
      metrics_(metrics),
      apiserver_id_(std::move(apiserver_id)) {}

KmsV2Probe::~KmsV2Probe() {
  std::lock_guard l(timers_mu_);
  for (auto id : timers_) clock_.cancel(id);
}

void KmsV2Probe::schedule_at(core::TimePoint at, void (KmsV2Probe::*step)()) {
  std::weak_ptr<KmsV2Probe> weak = weak_from_this();
  auto id_holder = std::make_shared<core::VirtualClock::TimerId>(0);
  std::lock_guard l(timers_mu_);
  *id_holder = clock_.schedule_at(at, [weak, step, id_holder] {
    auto self = weak.lock();
    if (!self) return;
    {
      std::lock_guard tl(self->timers_mu_);
      self->timers_.erase(*id_holder);
    }
    ((*self).*step)();
  });
  timers_.insert(*id_holder);
}

void KmsV2Probe::schedule(core::Duration after, void (KmsV2Probe::*step)()) {
  schedule_at(clock_.now() + after, step);
}

void KmsV2Probe::start() {
  started_ = clock_.now();
  if (check()) schedule(kV2NegativeInterval, &KmsV2Probe::prime_retry);
  schedule(kV2PositiveInterval, &KmsV2Probe::outer_tick);
}

void KmsV2Probe::prime_retry() {
  if (check()) schedule(kV2NegativeInterval, &KmsV2Probe::prime_retry);
}

void KmsV2Probe::outer_tick() {
  if (check()) {
    schedule(kV2NegativeInterval, &KmsV2Probe::outer_fast);
    return;
  }
  schedule(kV2PositiveInterval, &KmsV2Probe::outer_tick);
}

void KmsV2Probe::outer_fast() {
  if (check()) {
    schedule(kV2NegativeInterval, &KmsV2Probe::outer_fast);
    return;
  }
  // Back on the 60 s grid: Go's ticker drops the ticks that fell while the fast poll ran.
  const auto period = core::Duration(kV2PositiveInterval);
  const auto elapsed = clock_.now() - started_;
  schedule_at(started_ + (elapsed / period + 1) * period, &KmsV2Probe::outer_tick);
}

std::optional<std::string> KmsV2Probe::check() {
  std::lock_guard l(mu_);
  return check_locked();
}

std::optional<std::string> KmsV2Probe::check_locked() {
  const auto now = clock_.now();
  if (memo_.fresh(now)) return memo_.error;
  V2Status status;
  try {
    status = service_->status();
  } catch (const TransformError& e) {
    memo_.remember(clock_.now(), e.what());
    return "failed to perform status section of the healthz check for KMS Provider " + name_ +
           ", error: " + e.what();
  }
  auto err = healthy_and_maybe_rotate(status);
  memo_.remember(clock_.now(), err);
  return err;
}

std::optional<std::string> KmsV2Probe::healthy_and_maybe_rotate(const V2Status& s) {
  std::vector<std::string> errs;
  if (s.healthz != "ok") errs.push_back("got unexpected healthz status: " + s.healthz);
  const auto& ok = profile_.accepted_versions;
  if (std::find(ok.begin(), ok.end(), s.version) == ok.end()) {
    errs.push_back("expected KMSv2 API version " + profile_.expected_version + ", got " +
                   s.version);
  } else {
    if (first_version_.empty()) first_version_ = s.version;
    if (first_version_ != s.version)
      errs.push_back(
          "KMSv2 API version should not change after the initial status response "
          "version " +
          first_version_ + ", got " + s.version);
  }
  if (auto key_err = validate_key_id(s.key_id); !key_err.empty()) {
    if (metrics_)
      metrics_->invalid_status_key_id.inc({name_, s.key_id.empty() ? "empty" : "too_long"});
    errs.push_back("got invalid KMSv2 KeyID hash " + quoted(hash_if_not_empty(s.key_id)) + ": " +
                   key_err);
  } else {
    if (metrics_)
      metrics_->record_status_key_id(name_, s.key_id, apiserver_id_,
                                     static_cast<double>(clock_.now_unix_seconds()));
    if (auto rot = rotate(s.key_id, rng_.uuid())) errs.push_back(*rot);
  }
  if (errs.empty()) return std::nullopt;
  return "kmsv2 Provider " + name_ + " is not healthy, error: " + aggregate(errs);
}

KmsV2State KmsV2Probe::state_or_throw(const KmsV2State& s) const {
  if (!s.transformer) throw TransformError("got unexpected nil transformer");
  if (s.expiration == core::TimePoint{})
    throw TransformError("got unexpected zero expirationTimestamp");
  if (s.cache_key.empty()) throw TransformError("got unexpected empty cacheKey");
  return s;
}

KmsV2State KmsV2Probe::current_state() const {
  std::lock_guard l(state_mu_);
  return state_or_throw(state_);
}

std::optional<std::string> KmsV2Probe::rotate(const std::string& status_key_id,
                                              const std::string& uid) {
  KmsV2State old;
  std::string err_state = "<nil>";
  {
    std::lock_guard l(state_mu_);
    old = state_;
  }
  try {
    state_or_throw(old);
  } catch (const TransformError& e) {
    err_state = e.what();
  }
  // Started before the network call: 3 minutes is the upper bound of a write state's life.
  const auto expiration = clock_.now() + kV2WriteStateMaxTtl;
  const int type = profile_.use_seed ? 1 : 0;
  if (err_state == "<nil>" && old.key_id == status_key_id && old.type == type) {
    std::lock_guard l(state_mu_);
    state_.expiration = expiration;
    return std::nullopt;
  }
  std::string err_gen = "<nil>", encrypt_key_id;
  try {
    // a seed, or the AES-256 key of type 0
    std::string plain = generate_data_key(rng_, kSeedSize, metrics_);
    auto transformer = dek_source_transformer(type, plain, rng_, profile_.counter_nonce);
    V2EncryptResult r;
    try {
      r = service_->encrypt(uid, plain);
    } catch (const TransformError& e) {
      throw TransformError(std::string("failed to encrypt DEK, error: ") + e.what());
    }
    encrypt_key_id = r.key_id;
    validate_encrypted_object({std::string(1, '\0'), r.key_id, r.ciphertext, r.annotations, type});
    if (r.key_id == status_key_id) {
      KmsV2State next{
          transformer,  r.key_id,
          r.ciphertext, r.annotations,
          type,         uid,
          expiration,   dek_source_cache_key(type, r.ciphertext, r.key_id, r.annotations)};
      std::lock_guard l(state_mu_);
      state_ = std::move(next);
      return std::nullopt;
    }
  } catch (const TransformError& e) {
    err_gen = e.what();
  }
  return "failed to rotate DEK uid=" + quoted(uid) +
         ", useSeed=" + (profile_.use_seed ? "true" : "false") + ", errState=" + err_state +
         ", errGen=" + err_gen + ", statusKeyIDHash=" + quoted(hash_if_not_empty(status_key_id)) +
         ", encryptKeyIDHash=" + quoted(hash_if_not_empty(encrypt_key_id)) +
         ", stateKeyIDHash=" + quoted(hash_if_not_empty(old.key_id)) +
         ", expirationTimestamp=" + rfc3339_or_zero(old.expiration);
}

}  // namespace kmslab::apiserver::encryption
