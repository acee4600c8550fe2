#pragma once
// The encryption layer's Prometheus series, named and labelled as kube-apiserver's (kms.md §4.6;
// all ALPHA there). Not copied: kube-apiserver caps the key_id label sets with two 100-entry
// LRUs; the emulator's series are kept (U: irrelevant below 100 key ids).
#include <string>
#include <string_view>

#include "emulator/core/metrics.hpp"

namespace kmslab::core {
class Rng;
}

namespace kmslab::apiserver::encryption {

// Labels in kms.md §4.6 order; "..." stands for apiserver_envelope_encryption.
struct EncryptionMetrics {
  // apiserver_storage_envelope_transformation_cache_misses_total
  core::CounterVec& cache_misses;
  // ..._key_id_hash_total{transformation_type, provider_name, key_id_hash, apiserver_id_hash}
  core::CounterVec& key_id_hash;
  // ..._invalid_key_id_from_status_total{provider_name, error}
  core::CounterVec& invalid_status_key_id;
  // ..._kms_operations_latency_seconds{provider_name, method_name, grpc_status_code}
  core::HistogramVec& kms_latency;
  // apiserver_storage_transformation_operations_total{resource, transformation_type,
  // transformer_prefix, status}
  core::CounterVec& transformations;
  // apiserver_storage_data_key_generation_failures_total
  core::CounterVec& dek_generation_failures;
  // apiserver_storage_data_key_generation_duration_seconds
  core::HistogramVec& dek_generation_duration;
  // apiserver_storage_transformation_duration_seconds{transformation_type, transformer_prefix}
  core::HistogramVec& transformation_duration;
  // apiserver_encryption_config_controller_automatic_reloads_total{status, apiserver_id_hash}
  core::CounterVec& reloads;
  // ..._dek_cache_fill_percent (v1 LRU)
  core::GaugeVec& dek_cache_fill;
  // ..._dek_source_cache_size{provider_name} (v2 decrypt cache)
  core::GaugeVec& dek_source_cache_size;
  // ..._key_id_hash_last_timestamp_seconds (labels as key_id_hash_total)
  core::GaugeVec& key_id_hash_last;
  // ..._key_id_hash_status_last_timestamp_seconds{provider_name, key_id_hash, apiserver_id_hash}
  core::GaugeVec& status_key_id_last;

  static EncryptionMetrics declare(core::MetricsRegistry& registry);

  /// key_id_hash_total++ and its last-timestamp gauge, `now_unix` seconds.
  void record_key_id(std::string_view type, const std::string& provider, std::string_view key_id,
                     const std::string& apiserver_id, double now_unix);
  /// A valid key_id from Status.
  void record_status_key_id(const std::string& provider, std::string_view key_id,
                            const std::string& apiserver_id, double now_unix);
};

/// A new DEK (KMS v1) or seed (KMS v2) of `size` random bytes, timed and counted as
/// aes.GenerateKey / envelope generateKey record it (failures are the randomness failing, not the
/// plugin: [AS] storage/value/encrypt/aes/aes.go). `metrics` may be null.
std::string generate_data_key(core::Rng& rng, size_t size, EncryptionMetrics* metrics);

/// Go's codes.Code names, by gRPC C++ status code number.
std::string grpc_code_name(int code);

}  // namespace kmslab::apiserver::encryption
