#pragma once
// KMS v2 envelope ([AS] envelope/kmsv2/envelope.go, kms.md §4): value = protobuf
// EncryptedObject{encryptedData, keyID, encryptedDEKSource, annotations, type}. Writes use the
// provider's current state (one seed or DEK per start and key_id change, see kms_v2_probe.hpp);
// reads look the DEK source up in a cache keyed by SHA-256 of the object's cache key, else one
// Decrypt. Stale when the object's key_id or source type differs from the current state's.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "emulator/apiserver/encryption/kms_service.hpp"
#include "emulator/core/clock.hpp"

namespace kmslab::core {
class Rng;
}

namespace kmslab::apiserver::encryption {

struct EncryptionMetrics;

inline constexpr size_t kKeyIdMaxSize = 1024;
inline constexpr size_t kEncryptedDekSourceMaxSize = 1024;
inline constexpr size_t kAnnotationsMaxSize = 32 * 1024;
inline constexpr auto kDecryptCacheTtl = std::chrono::hours(24);

enum class DekSourceType : int { kAesGcmKey = 0, kHkdfSha256XNonceAesGcmSeed = 1 };

struct EncryptedObject {
  std::string encrypted_data, key_id, encrypted_dek_source;
  Annotations annotations;
  int type = 0;  // DekSourceType, or any number a stored value carries
};

/// Protobuf (v2.EncryptedObject) without validation; map entries in key order.
std::string encode_encrypted_object(const EncryptedObject& o);
/// Throws TransformError("proto: cannot parse invalid wire-format data") on malformed bytes.
EncryptedObject decode_encrypted_object(std::string_view bytes);
/// kube-apiserver's ValidateEncryptedObject; throws TransformError with its text.
void validate_encrypted_object(const EncryptedObject& o);
/// "" when valid, else "keyID is empty" / "keyID is N bytes, which exceeds the max size of 1024".
std::string validate_key_id(std::string_view key_id);
/// The decrypt-cache key: u32 type || u16-prefixed source || u16-prefixed keyID [|| u32 count ||
/// sorted u16-prefixed k, v ...] ([AS] generateCacheKey).
std::string dek_source_cache_key(int type, std::string_view source, std::string_view key_id,
                                 const Annotations& annotations);

/// The write state of one provider; a default one is "not primed".
struct KmsV2State {
  std::shared_ptr<Transformer> transformer;
  std::string key_id, encrypted_dek_source;
  Annotations annotations;
  int type = 0;
  std::string uid;
  core::TimePoint expiration{};
  std::string cache_key;
};

/// Returns the current state, or throws TransformError ("got unexpected nil transformer", ...).
using KmsV2StateFn = std::function<KmsV2State()>;

class KmsV2Transformer final : public Transformer {
 public:
  KmsV2Transformer(std::shared_ptr<KmsV2Service> service, std::string provider_name,
                   KmsV2StateFn state, const core::Clock& clock, core::Rng& rng,
                   EncryptionMetrics* metrics = nullptr, std::string apiserver_id = {});
  FromStorage from_storage(std::string_view stored, std::string_view context) override;
  std::string to_storage(std::string_view plain, std::string_view context) override;

  /// Entries in the decrypt cache: about the Decrypt calls a restart will cost.
  size_t cache_size() const;

 private:
  struct Entry {
    std::shared_ptr<Transformer> transformer;
    core::TimePoint expires;
  };
  std::shared_ptr<Transformer> cached(const std::string& cache_key) const;
  void cache(const std::string& cache_key, std::shared_ptr<Transformer> t);

  std::shared_ptr<KmsV2Service> service_;
  std::string name_;
  KmsV2StateFn state_;
  const core::Clock& clock_;
  core::Rng& rng_;
  EncryptionMetrics* metrics_;
  std::string apiserver_id_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> cache_;  // SHA-256(cache key) -> transformer, 24 h TTL
};

/// Builds the transformer for a DEK source's plaintext: HKDF seed (type 1) or AES key (type 0).
/// `counter_nonce` selects the 1.27-1.28 write layout for type 0.
std::shared_ptr<Transformer> dek_source_transformer(int type, std::string plaintext, core::Rng& rng,
                                                    bool counter_nonce);

}  // namespace kmslab::apiserver::encryption
