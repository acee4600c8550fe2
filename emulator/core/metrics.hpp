#pragma once
// Prometheus metrics. Each component declares its metrics once (see HttpStats) and the registry
// renders them all in the text exposition format at /metrics.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kmslab::core {

class CounterVec {
 public:
  CounterVec(std::string name, std::string help, std::vector<std::string> labels,
             std::string type = "counter");
  virtual ~CounterVec() = default;
  void inc(const std::vector<std::string>& label_values, double by = 1);
  double value(const std::vector<std::string>& label_values) const;
  void render(std::string& out) const;
  const std::string& name() const { return name_; }
  const std::vector<std::string>& labels() const { return labels_; }

 protected:
  void set_value(const std::vector<std::string>& label_values, double v);

 private:
  std::string name_, help_, type_;
  std::vector<std::string> labels_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, double> values_;
};

/// A value that goes up and down (TYPE gauge).
class GaugeVec final : public CounterVec {
 public:
  GaugeVec(std::string name, std::string help, std::vector<std::string> labels)
      : CounterVec(std::move(name), std::move(help), std::move(labels), "gauge") {}
  void set(const std::vector<std::string>& label_values, double v) { set_value(label_values, v); }
};

class HistogramVec {
 public:
  HistogramVec(std::string name, std::string help, std::vector<std::string> labels,
               std::vector<double> buckets);
  void observe(const std::vector<std::string>& label_values, double value);
  uint64_t count(const std::vector<std::string>& label_values) const;
  void render(std::string& out) const;
  const std::string& name() const { return name_; }
  const std::vector<std::string>& labels() const { return labels_; }

 private:
  struct Series {
    std::vector<uint64_t> buckets;  // cumulative counts are computed when rendering
    uint64_t count = 0;
    double sum = 0;
  };
  std::string name_, help_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, Series> series_;
};

/// Declaring a metric again (two dispatchers, one per listener) returns the family declared first,
/// so /metrics shows each name once; the same name with other labels is a std::logic_error.
class MetricsRegistry {
 public:
  /// Declaring a name twice returns the first declaration (a component built again, e.g. the
  /// apiserver's providers on a config reload, keeps counting into the same series).
  CounterVec& counter(std::string name, std::string help, std::vector<std::string> labels);
  HistogramVec& histogram(std::string name, std::string help, std::vector<std::string> labels,
                          std::vector<double> buckets);
  /// Throws std::logic_error when `name` is already declared as a counter.
  GaugeVec& gauge(std::string name, std::string help, std::vector<std::string> labels);
  /// The text exposition format (version 0.0.4).
  std::string render() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<CounterVec>> counters_;
  std::vector<std::unique_ptr<HistogramVec>> histograms_;
};

/// The HTTP server's metrics, declared in one place.
struct HttpStats {
  CounterVec& requests;    // kmslab_http_requests_total{route,method,code}
  HistogramVec& duration;  // kmslab_http_request_duration_seconds{route}
  static HttpStats declare(MetricsRegistry& registry);
};

/// Escapes a label value for the exposition format.
std::string escape_label_value(const std::string& v);

}  // namespace kmslab::core
