#include "plugin/metrics/kms_metrics.hpp"

#include <cmath>

namespace kmslab::plugin {

std::vector<double> exponential_buckets_range(double min, double max, int count) {
  // client_golang's ExponentialBucketsRange: min * factor^i, factor = (max/min)^(1/(count-1)).
  const double factor = std::pow(max / min, 1.0 / (count - 1));
  std::vector<double> out;
  for (int i = 0; i < count; ++i) out.push_back(min * std::pow(factor, i));
  return out;
}

KmsMetrics::KmsMetrics(core::MetricsRegistry& registry)
    : requests_(registry.histogram(
          "kms_request", "Distribution of how long it took for an operation",
          {"operation", "status", "error_message"}, exponential_buckets_range(0.1, 2, 11))) {}

void KmsMetrics::report(const std::string& operation, const std::string& error,
                        std::chrono::steady_clock::duration took) {
  const double seconds = std::chrono::duration<double>(took).count();
  requests_.observe({operation, error.empty() ? "success" : "error", error}, seconds);
}

uint64_t KmsMetrics::count(const std::string& operation, const std::string& error) const {
  return requests_.count({operation, error.empty() ? "success" : "error", error});
}

}  // namespace kmslab::plugin
