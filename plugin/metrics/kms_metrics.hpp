#pragma once
// Upstream's one metric (pkg/metrics/stats_reporter.go, reference §7.5): the histogram
// kms_request{operation, status, error_message} in seconds, buckets
// ExponentialBucketsRange(0.1, 2, 11). operation is encrypt|decrypt (Key Vault work in the
// servers) or grpc_<method> (every RPC, as upstream's interceptor records it).
#include <chrono>
#include <string>
#include <vector>

#include "emulator/core/metrics.hpp"

namespace kmslab::plugin {

std::vector<double> exponential_buckets_range(double min, double max, int count);

class KmsMetrics {
 public:
  explicit KmsMetrics(core::MetricsRegistry& registry);
  /// `error` empty means success.
  void report(const std::string& operation, const std::string& error,
              std::chrono::steady_clock::duration took);
  uint64_t count(const std::string& operation, const std::string& error) const;

 private:
  core::HistogramVec& requests_;
};

/// Times a scope and reports it (the error is read when the scope ends).
class MetricsScope {
 public:
  MetricsScope(KmsMetrics* metrics, std::string operation, const std::string& error)
      : metrics_(metrics),
        operation_(std::move(operation)),
        error_(error),
        start_(std::chrono::steady_clock::now()) {}
  ~MetricsScope() {
    if (metrics_) metrics_->report(operation_, error_, std::chrono::steady_clock::now() - start_);
  }
  MetricsScope(const MetricsScope&) = delete;
  MetricsScope& operator=(const MetricsScope&) = delete;

 private:
  KmsMetrics* metrics_;
  std::string operation_;
  const std::string& error_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace kmslab::plugin
