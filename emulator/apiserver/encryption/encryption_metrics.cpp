#include "emulator/apiserver/encryption/encryption_metrics.hpp"

#include <array>
#include <chrono>

#include "emulator/apiserver/encryption/crypto.hpp"

namespace kmslab::apiserver::encryption {
namespace {

// 0.1 ms x 2^k, 20 buckets ([AS] envelope/metrics ExponentialBuckets(0.0001, 2, 20)).
// metrics.ExponentialBuckets(start, 2, count).
std::vector<double> doubling(double start, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i, start *= 2) out.push_back(start);
  return out;
}

}  // namespace

// component-base writes the stability level ahead of each help text ("[ALPHA] ...").
EncryptionMetrics EncryptionMetrics::declare(core::MetricsRegistry& r) {
  return {
      r.counter("apiserver_storage_envelope_transformation_cache_misses_total",
                "[ALPHA] Total number of cache misses while accessing key decryption key(KEK).",
                {}),
      r.counter(
          "apiserver_envelope_encryption_key_id_hash_total",
          "[ALPHA] Number of times a keyID is used split by transformation type, provider, and "
          "apiserver identity.",
          {"transformation_type", "provider_name", "key_id_hash", "apiserver_id_hash"}),
      r.counter(
          "apiserver_envelope_encryption_invalid_key_id_from_status_total",
          "[ALPHA] Number of times an invalid keyID is returned by the Status RPC call split by "
          "error.",
          {"provider_name", "error"}),
      r.histogram("apiserver_envelope_encryption_kms_operations_latency_seconds",
                  "[ALPHA] KMS operation duration with gRPC error code status total.",
                  {"provider_name", "method_name", "grpc_status_code"}, doubling(0.0001, 20)),
      r.counter(
          "apiserver_storage_transformation_operations_total",
          "[ALPHA] Total number of transformations. Successful transformation will have a status "
          "'OK' and a varied status string when the transformation fails.",
          {"resource", "transformation_type", "transformer_prefix", "status"}),
      r.counter("apiserver_storage_data_key_generation_failures_total",
                "[ALPHA] Total number of failed data encryption key(DEK) generation operations.",
                {}),
      // [AS] storage/value/metrics.go: buckets ExponentialBuckets(5e-6, 2, 14) and (5e-6, 2, 25).
      r.histogram("apiserver_storage_data_key_generation_duration_seconds",
                  "[ALPHA] Latencies in seconds of data encryption key(DEK) generation operations.",
                  {}, doubling(5e-6, 14)),
      r.histogram("apiserver_storage_transformation_duration_seconds",
                  "[ALPHA] Latencies in seconds of value transformation operations.",
                  {"transformation_type", "transformer_prefix"}, doubling(5e-6, 25)),
      r.counter(
          "apiserver_encryption_config_controller_automatic_reloads_total",
          "[ALPHA] Total number of reload successes and failures of encryption configuration split "
          "by apiserver identity.",
          {"status", "apiserver_id_hash"}),
      r.gauge("apiserver_envelope_encryption_dek_cache_fill_percent",
              "[ALPHA] Percent of the cache slots currently occupied by cached DEKs.", {}),
      r.gauge(
          "apiserver_envelope_encryption_dek_source_cache_size",
          "[ALPHA] Number of records in data encryption key (DEK) source cache. On a restart, this "
          "value is an approximation of the number of decrypt RPC calls the server will make "
          "to the KMS plugin.",
          {"provider_name"}),
      r.gauge("apiserver_envelope_encryption_key_id_hash_last_timestamp_seconds",
              "[ALPHA] The last time in seconds when a keyID was used.",
              {"transformation_type", "provider_name", "key_id_hash", "apiserver_id_hash"}),
      r.gauge("apiserver_envelope_encryption_key_id_hash_status_last_timestamp_seconds",
              "[ALPHA] The last time in seconds when a keyID was returned by the Status RPC call.",
              {"provider_name", "key_id_hash", "apiserver_id_hash"}),
  };
}

void EncryptionMetrics::record_key_id(std::string_view type, const std::string& provider,
                                      std::string_view key_id, const std::string& apiserver_id,
                                      double now_unix) {
  const std::vector<std::string> labels{std::string(type), provider, hash_if_not_empty(key_id),
                                        hash_if_not_empty(apiserver_id)};
  key_id_hash.inc(labels);
  key_id_hash_last.set(labels, now_unix);
}

void EncryptionMetrics::record_status_key_id(const std::string& provider, std::string_view key_id,
                                             const std::string& apiserver_id, double now_unix) {
  status_key_id_last.set({provider, hash_if_not_empty(key_id), hash_if_not_empty(apiserver_id)},
                         now_unix);
}

std::string generate_data_key(core::Rng& rng, size_t size, EncryptionMetrics* metrics) {
  const auto start = std::chrono::steady_clock::now();
  try {
    std::string key = random_bytes(rng, size);
    if (metrics) {
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      metrics->dek_generation_duration.observe({}, took.count());
    }
    return key;
  } catch (...) {
    if (metrics) metrics->dek_generation_failures.inc({});
    throw;
  }
}

std::string grpc_code_name(int code) {
  static constexpr std::array<const char*, 17> names = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  if (code >= 0 && code < static_cast<int>(names.size())) return names[static_cast<size_t>(code)];
  return "Code(" + std::to_string(code) + ")";
}

}  // namespace kmslab::apiserver::encryption
