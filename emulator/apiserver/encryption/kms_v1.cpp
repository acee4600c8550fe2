#include "emulator/apiserver/encryption/kms_v1.hpp"

#include "emulator/apiserver/encryption/aescbc.hpp"
#include "emulator/apiserver/encryption/aesgcm.hpp"
#include "emulator/apiserver/encryption/crypto.hpp"
#include "emulator/apiserver/encryption/encryption_metrics.hpp"
#include "emulator/apiserver/encryption/prefix.hpp"
#include "emulator/core/base64url.hpp"
#include "emulator/core/clock.hpp"

namespace kmslab::apiserver::encryption {
namespace {

constexpr size_t kDekSize = 32;

// GCM first, CBC (data written by <= 1.24) second; a CBC read is stale so a no-op update
// rewrites it as GCM ([AS] config.go unionTransformers).
class GcmThenCbc final : public Transformer {
 public:
  GcmThenCbc(const std::string& dek, core::Rng& rng) : gcm_(dek, rng), cbc_(dek, rng) {}
  FromStorage from_storage(std::string_view stored, std::string_view context) override {
    std::vector<std::string> errors;
    try {
      return gcm_.from_storage(stored, context);
    } catch (const TransformError& e) {
      errors.push_back(e.what());
    }
    try {
      FromStorage out = cbc_.from_storage(stored, context);
      out.stale = true;
      return out;
    } catch (const TransformError& e) {
      errors.push_back(e.what());
    }
    throw TransformError(aggregate(errors));
  }
  std::string to_storage(std::string_view plain, std::string_view context) override {
    return gcm_.to_storage(plain, context);
  }

 private:
  GcmTransformer gcm_;
  CbcTransformer cbc_;
};

}  // namespace

KmsV1Transformer::KmsV1Transformer(std::shared_ptr<KmsV1Service> service, int cache_size,
                                   core::Rng& rng, EncryptionMetrics* metrics)
    : service_(std::move(service)), rng_(rng), metrics_(metrics) {
  if (cache_size > 0)
    cache_ = std::make_unique<Lru<std::string, std::shared_ptr<Transformer>>>(
        static_cast<size_t>(cache_size));
}

std::shared_ptr<Transformer> KmsV1Transformer::remember(std::string_view edek, std::string dek) {
  if (!valid_aes_key_size(dek.size())) throw TransformError(aes_key_size_error(dek.size()));
  auto t = std::make_shared<GcmThenCbc>(dek, rng_);
  if (cache_) {
    cache_->add(core::base64_encode(edek), t);
    if (metrics_)
      metrics_->dek_cache_fill.set(
          {}, static_cast<double>(cache_->size()) / static_cast<double>(cache_->capacity()));
  }
  return t;
}

FromStorage KmsV1Transformer::from_storage(std::string_view stored, std::string_view context) {
  if (stored.size() < 2)
    throw TransformError(
        "invalid data encountered by envelope transformer: failed to read uint16 length "
        "prefixed data");
  const size_t n =
      (static_cast<unsigned char>(stored[0]) << 8) | static_cast<unsigned char>(stored[1]);
  if (stored.size() < 2 + n)
    throw TransformError(
        "invalid data encountered by envelope transformer: failed to read uint16 length "
        "prefixed data");
  std::string_view edek = stored.substr(2, n), payload = stored.substr(2 + n);
  std::shared_ptr<Transformer> t;
  if (cache_) t = cache_->get(core::base64_encode(edek)).value_or(nullptr);
  if (!t) {
    if (cache_ && metrics_) metrics_->cache_misses.inc({});
    // The plugin's error goes up unwrapped: its gRPC code is what the metrics record.
    t = remember(edek, service_->decrypt(edek));
  }
  return t->from_storage(payload, context);
}

std::string KmsV1Transformer::to_storage(std::string_view plain, std::string_view context) {
  std::string dek = generate_data_key(rng_, kDekSize, metrics_);
  std::string edek = service_->encrypt(dek);
  if (edek.size() > 0xffff)
    throw TransformError("cryptobyte: pending child length " + std::to_string(edek.size()) +
                         " exceeds 2-byte length prefix");
  auto t = remember(edek, std::move(dek));
  std::string out;
  out.push_back(static_cast<char>(edek.size() >> 8));
  out.push_back(static_cast<char>(edek.size() & 0xff));
  out += edek;
  out += t->to_storage(plain, context);
  return out;
}

}  // namespace kmslab::apiserver::encryption

namespace kmslab::apiserver::encryption {

KmsV1Probe::KmsV1Probe(std::string name, std::shared_ptr<KmsV1Service> service,
                       const core::Clock& clock)
    : name_(std::move(name)), service_(std::move(service)), clock_(clock) {}

std::optional<std::string> KmsV1Probe::check() {
  std::lock_guard l(mu_);
  if (memo_.fresh(clock_.now())) return memo_.error;
  std::string cipher;
  try {
    cipher = service_->encrypt("ping");
  } catch (const TransformError& e) {
    memo_.remember(clock_.now(), e.what());
    return "failed to perform encrypt section of the healthz check for KMS Provider " + name_ +
           ", error: " + e.what();
  }
  try {
    service_->decrypt(cipher);
  } catch (const TransformError& e) {
    memo_.remember(clock_.now(), e.what());
    return "failed to perform decrypt section of the healthz check for KMS Provider " + name_ +
           ", error: " + e.what();
  }
  memo_.remember(clock_.now(), std::nullopt);
  return std::nullopt;
}

}  // namespace kmslab::apiserver::encryption
