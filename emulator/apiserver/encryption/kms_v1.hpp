#pragma once
// KMS v1 envelope ([AS] envelope/envelope.go, kms.md §3): a new 32-byte DEK per write, encrypted
// by the plugin (one Encrypt per write); value = u16 BE len(EDEK) || EDEK || nonce || GCM || tag
// (AAD = storage key). Reads look the DEK up in an LRU keyed by base64(EDEK) (cachesize, <0
// disables), else Decrypt; the payload is read as GCM, then CBC (<= 1.24 data), which is stale.
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "emulator/apiserver/encryption/kms_service.hpp"
#include "emulator/apiserver/encryption/lru.hpp"
#include "emulator/apiserver/encryption/probe_memo.hpp"

namespace kmslab::core {
class Rng;
}

namespace kmslab::apiserver::encryption {

struct EncryptionMetrics;

class KmsV1Transformer final : public Transformer {
 public:
  KmsV1Transformer(std::shared_ptr<KmsV1Service> service, int cache_size, core::Rng& rng,
                   EncryptionMetrics* metrics = nullptr);
  FromStorage from_storage(std::string_view stored, std::string_view context) override;
  std::string to_storage(std::string_view plain, std::string_view context) override;

  size_t cached_deks() const { return cache_ ? cache_->size() : 0; }

 private:
  std::shared_ptr<Transformer> remember(std::string_view edek, std::string dek);

  std::shared_ptr<KmsV1Service> service_;
  std::unique_ptr<Lru<std::string, std::shared_ptr<Transformer>>> cache_;
  core::Rng& rng_;
  EncryptionMetrics* metrics_;
};

}  // namespace kmslab::apiserver::encryption

namespace kmslab::core {
class Clock;
}

namespace kmslab::apiserver::encryption {

/// The KMS v1 health probe ([AS] config.go kmsPluginProbe.check): Encrypt("ping") then Decrypt
/// of the result, memoised 20 s / 3 s.
class KmsV1Probe {
 public:
  KmsV1Probe(std::string name, std::shared_ptr<KmsV1Service> service, const core::Clock& clock);
  std::optional<std::string> check();

 private:
  std::string name_;
  std::shared_ptr<KmsV1Service> service_;
  const core::Clock& clock_;
  std::mutex mu_;
  ProbeMemo memo_;
};

}  // namespace kmslab::apiserver::encryption
