#pragma once
// The encryption layer's Prometheus series, named and labelled as kube-apiserver's (kms.md §4.6;
// all ALPHA there). Gauges are not declared yet: core::MetricsRegistry has no gauge type.
#include <string>
#include <string_view>

#include "emulator/core/metrics.hpp"

namespace kmslab::apiserver::encryption {

struct EncryptionMetrics {
  core::CounterVec& cache_misses;  // apiserver_storage_envelope_transformation_cache_misses_total
  core::CounterVec&
      key_id_hash;  // ..._key_id_hash_total{transformation_type,provider_name,key_id_hash,apiserver_id_hash}
  core::CounterVec&
      invalid_status_key_id;  // ..._invalid_key_id_from_status_total{provider_name,error}
  core::HistogramVec&
      kms_latency;  // ..._kms_operations_latency_seconds{provider_name,method_name,grpc_status_code}
  core::CounterVec& transformations;  // apiserver_storage_transformation_operations_total
  core::CounterVec&
      dek_generation_failures;  // apiserver_storage_data_key_generation_failures_total
  core::CounterVec&
      reloads;  // apiserver_encryption_config_controller_automatic_reloads_total{status,apiserver_id_hash}

  static EncryptionMetrics declare(core::MetricsRegistry& registry);

  void record_key_id(std::string_view type, const std::string& provider, std::string_view key_id,
                     const std::string& apiserver_id);
};

/// Go's codes.Code names, by gRPC C++ status code number.
std::string grpc_code_name(int code);

}  // namespace kmslab::apiserver::encryption
