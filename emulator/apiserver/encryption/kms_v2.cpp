#include "emulator/apiserver/encryption/kms_v2.hpp"

#include <algorithm>
#include <vector>

#include "emulator/apiserver/encryption/aesgcm.hpp"
#include "emulator/apiserver/encryption/crypto.hpp"
#include "emulator/apiserver/encryption/encryption_metrics.hpp"
#include "emulator/apiserver/encryption/fqdn.hpp"
#include "emulator/apiserver/encryption/hkdf_gcm.hpp"
#include "emulator/apiserver/encryption/prefix.hpp"
#include "emulator/core/rng.hpp"
#include "kms/v2/encrypted_object.pb.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace kmslab::apiserver::encryption {
namespace {

void put_u16_prefixed(std::string& out, std::string_view s) {
  out.push_back(static_cast<char>((s.size() >> 8) & 0xff));
  out.push_back(static_cast<char>(s.size() & 0xff));
  out += s;
}

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::string validate_annotations(const Annotations& annotations) {
  std::vector<std::string> errors;
  uint64_t total = 0;
  for (const auto& [k, v] : annotations) {
    if (auto e = fqdn_error("annotations", k); !e.empty()) errors.push_back(e);
    total += k.size() + v.size();
  }
  if (total > kAnnotationsMaxSize)
    errors.push_back("total size of annotations is " + std::to_string(total) +
                     ", which exceeds the max size of " + std::to_string(kAnnotationsMaxSize));
  return errors.empty() ? std::string() : aggregate(errors);
}

}  // namespace

std::string encode_encrypted_object(const EncryptedObject& o) {
  ::v2::EncryptedObject pb;
  pb.set_encrypteddata(o.encrypted_data);
  pb.set_keyid(o.key_id);
  pb.set_encrypteddeksource(o.encrypted_dek_source);
  for (const auto& [k, v] : o.annotations) (*pb.mutable_annotations())[k] = v;
  pb.set_encrypteddeksourcetype(static_cast<::v2::EncryptedDEKSourceType>(o.type));
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  pb.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

EncryptedObject decode_encrypted_object(std::string_view bytes) {
  ::v2::EncryptedObject pb;
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !pb.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw TransformError("proto: cannot parse invalid wire-format data");
  EncryptedObject o{pb.encrypteddata(),
                    pb.keyid(),
                    pb.encrypteddeksource(),
                    {},
                    static_cast<int>(pb.encrypteddeksourcetype())};
  for (const auto& [k, v] : pb.annotations()) o.annotations[k] = v;
  return o;
}

std::string validate_key_id(std::string_view key_id) {
  if (key_id.empty()) return "keyID is empty";
  if (key_id.size() > kKeyIdMaxSize)
    return "keyID is " + std::to_string(key_id.size()) + " bytes, which exceeds the max size of " +
           std::to_string(kKeyIdMaxSize);
  return {};
}

void validate_encrypted_object(const EncryptedObject& o) {
  if (o.type != 0 && o.type != 1)
    throw TransformError("unknown encryptedDEKSourceType: " + std::to_string(o.type));
  if (o.encrypted_data.empty()) throw TransformError("encrypted data is empty");
  if (o.encrypted_dek_source.empty())
    throw TransformError("failed to validate encrypted DEK source: encrypted DEK source is empty");
  if (o.encrypted_dek_source.size() > kEncryptedDekSourceMaxSize)
    throw TransformError("failed to validate encrypted DEK source: encrypted DEK source is " +
                         std::to_string(o.encrypted_dek_source.size()) +
                         " bytes, which exceeds the max size of " +
                         std::to_string(kEncryptedDekSourceMaxSize));
  if (auto e = validate_key_id(o.key_id); !e.empty())
    throw TransformError("failed to validate key id: " + e);
  if (auto e = validate_annotations(o.annotations); !e.empty())
    throw TransformError("failed to validate annotations: " + e);
}

std::string dek_source_cache_key(int type, std::string_view source, std::string_view key_id,
                                 const Annotations& annotations) {
  std::string out;
  put_u32(out, static_cast<uint32_t>(type));
  put_u16_prefixed(out, source);
  put_u16_prefixed(out, key_id);
  if (annotations.empty()) return out;
  put_u32(out, static_cast<uint32_t>(annotations.size()));
  for (const auto& [k, v] : annotations) {  // std::map: sorted as Go's sort.Strings
    put_u16_prefixed(out, k);
    put_u16_prefixed(out, v);
  }
  return out;
}

std::shared_ptr<Transformer> dek_source_transformer(int type, std::string plaintext, core::Rng& rng,
                                                    bool counter_nonce) {
  if (type == static_cast<int>(DekSourceType::kHkdfSha256XNonceAesGcmSeed))
    return std::make_shared<HkdfGcmTransformer>(std::move(plaintext), rng);
  return std::make_shared<GcmTransformer>(
      std::move(plaintext), rng,
      counter_nonce ? GcmTransformer::Nonce::kCounter : GcmTransformer::Nonce::kRandom);
}

KmsV2Transformer::KmsV2Transformer(std::shared_ptr<KmsV2Service> service, std::string provider_name,
                                   KmsV2StateFn state, const core::Clock& clock, core::Rng& rng,
                                   EncryptionMetrics* metrics, std::string apiserver_id)
    : service_(std::move(service)),
      name_(std::move(provider_name)),
      state_(std::move(state)),
      clock_(clock),
      rng_(rng),
      metrics_(metrics),
      apiserver_id_(std::move(apiserver_id)) {}

std::shared_ptr<Transformer> KmsV2Transformer::cached(const std::string& cache_key) const {
  std::lock_guard l(mu_);
  // Expired entries are still served (AllowExpiredGet): a key's transformer never changes.
  auto it = cache_.find(sha256(cache_key));
  return it == cache_.end() ? nullptr : it->second.transformer;
}

void KmsV2Transformer::cache(const std::string& cache_key, std::shared_ptr<Transformer> t) {
  std::lock_guard l(mu_);
  const auto now = clock_.now();
  std::erase_if(cache_, [&](const auto& kv) { return kv.second.expires < now; });
  cache_[sha256(cache_key)] = {std::move(t), now + kDecryptCacheTtl};
  if (metrics_) metrics_->dek_source_cache_size.set({name_}, static_cast<double>(cache_.size()));
}

size_t KmsV2Transformer::cache_size() const {
  std::lock_guard l(mu_);
  return cache_.size();
}

FromStorage KmsV2Transformer::from_storage(std::string_view stored, std::string_view context) {
  EncryptedObject o = decode_encrypted_object(stored);
  validate_encrypted_object(o);
  const KmsV2State state = state_();  // reads need a primed state, not an unexpired one
  const std::string key =
      dek_source_cache_key(o.type, o.encrypted_dek_source, o.key_id, o.annotations);
  std::shared_ptr<Transformer> t = cached(key);
  if (!t) {
    if (metrics_) metrics_->cache_misses.inc({});
    std::string plain;
    try {
      plain = service_->decrypt(rng_.uuid(), {o.encrypted_dek_source, o.key_id, o.annotations});
    } catch (const TransformError& e) {
      throw TransformError(std::string("failed to decrypt DEK, error: ") + e.what());
    }
    t = dek_source_transformer(o.type, std::move(plain), rng_, false);
    cache(key, t);
  }
  if (metrics_)
    metrics_->record_key_id("from_storage", name_, o.key_id, apiserver_id_,
                            static_cast<double>(clock_.now_unix_seconds()));
  FromStorage out = t->from_storage(o.encrypted_data, context);
  out.stale = out.stale || o.key_id != state.key_id || o.type != state.type;
  return out;
}

std::string KmsV2Transformer::to_storage(std::string_view plain, std::string_view context) {
  const KmsV2State state = state_();
  const auto now = clock_.now();
  if (now > state.expiration)
    throw TransformError("encryptedDEKSource with keyID hash \"" + hash_if_not_empty(state.key_id) +
                         "\" expired at " + core::format_rfc3339(state.expiration) +
                         " (current time is " + core::format_rfc3339(now) + ")");
  // Reads of this provider's own writes then never call Decrypt.
  cache(state.cache_key, state.transformer);
  EncryptedObject o{state.transformer->to_storage(plain, context), state.key_id,
                    state.encrypted_dek_source, state.annotations, state.type};
  if (metrics_)
    metrics_->record_key_id("to_storage", name_, state.key_id, apiserver_id_,
                            static_cast<double>(clock_.now_unix_seconds()));
  validate_encrypted_object(o);
  return encode_encrypted_object(o);
}

}  // namespace kmslab::apiserver::encryption
