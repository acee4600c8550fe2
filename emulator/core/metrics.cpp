#include "emulator/core/metrics.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace kmslab::core {

std::string escape_label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

// The shortest text that reads back as the same double, as Go's Prometheus client writes
// numbers (le="0.1", not "0.10000000000000001").
std::string format_number(double v) {
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const std::string& extra = {}) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!out.empty()) out += ',';
    out += names[i] + "=\"" + escape_label_value(values[i]) + "\"";
  }
  if (!extra.empty()) {
    if (!out.empty()) out += ',';
    out += extra;
  }
  return out.empty() ? out : "{" + out + "}";
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

CounterVec::CounterVec(std::string name, std::string help, std::vector<std::string> labels,
                       std::string type)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(std::move(type)),
      labels_(std::move(labels)) {}

void CounterVec::set_value(const std::vector<std::string>& label_values, double v) {
  std::lock_guard l(mu_);
  values_[label_values] = v;
}

void CounterVec::inc(const std::vector<std::string>& label_values, double by) {
  std::lock_guard l(mu_);
  values_[label_values] += by;
}

double CounterVec::value(const std::vector<std::string>& label_values) const {
  std::lock_guard l(mu_);
  auto it = values_.find(label_values);
  return it == values_.end() ? 0 : it->second;
}

void CounterVec::render(std::string& out) const {
  header(out, name_, help_, type_.c_str());
  std::lock_guard l(mu_);
  // A metric without labels exists from its declaration, as client_golang's plain Counter and
  // Gauge do: it shows 0 before anything counted.
  if (labels_.empty() && values_.empty()) out += name_ + " 0\n";
  for (const auto& [labels, v] : values_) {
    out += name_ + label_set(labels_, labels) + " " + format_number(v) + "\n";
  }
}

HistogramVec::HistogramVec(std::string name, std::string help, std::vector<std::string> labels,
                           std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      labels_(std::move(labels)),
      bounds_(std::move(buckets)) {}

void HistogramVec::observe(const std::vector<std::string>& label_values, double value) {
  std::lock_guard l(mu_);
  Series& s = series_[label_values];
  if (s.buckets.empty()) s.buckets.assign(bounds_.size(), 0);
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) {
      ++s.buckets[i];
      break;
    }
  }
  ++s.count;
  s.sum += value;
}

uint64_t HistogramVec::count(const std::vector<std::string>& label_values) const {
  std::lock_guard l(mu_);
  auto it = series_.find(label_values);
  return it == series_.end() ? 0 : it->second.count;
}

void HistogramVec::render(std::string& out) const {
  header(out, name_, help_, "histogram");
  auto series = [&](const std::vector<std::string>& labels, const Series& s) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += s.buckets.empty() ? 0 : s.buckets[i];
      out += name_ + "_bucket" +
             label_set(labels_, labels, "le=\"" + format_number(bounds_[i]) + "\"") + " " +
             std::to_string(cumulative) + "\n";
    }
    out += name_ + "_bucket" + label_set(labels_, labels, "le=\"+Inf\"") + " " +
           std::to_string(s.count) + "\n";
    out += name_ + "_sum" + label_set(labels_, labels) + " " + format_number(s.sum) + "\n";
    out += name_ + "_count" + label_set(labels_, labels) + " " + std::to_string(s.count) + "\n";
  };
  std::lock_guard l(mu_);
  // As for counters: a histogram without labels shows its empty buckets from the start.
  if (labels_.empty() && series_.empty()) series({}, Series{});
  for (const auto& [labels, s] : series_) series(labels, s);
}

namespace {

// The family already declared under `name`, or null.
template <class Family>
Family* declared(const std::vector<std::unique_ptr<Family>>& families, const std::string& name,
                 const std::vector<std::string>& labels) {
  for (const auto& f : families) {
    if (f->name() != name) continue;
    if (f->labels() != labels) {
      throw std::logic_error("metric " + name + " declared twice with different labels");
    }
    return f.get();
  }
  return nullptr;
}

}  // namespace

CounterVec& MetricsRegistry::counter(std::string name, std::string help,
                                     std::vector<std::string> labels) {
  std::lock_guard l(mu_);
  if (auto* existing = declared(counters_, name, labels)) return *existing;
  counters_.push_back(
      std::make_unique<CounterVec>(std::move(name), std::move(help), std::move(labels)));
  return *counters_.back();
}

HistogramVec& MetricsRegistry::histogram(std::string name, std::string help,
                                         std::vector<std::string> labels,
                                         std::vector<double> buckets) {
  std::lock_guard l(mu_);
  if (auto* existing = declared(histograms_, name, labels)) return *existing;
  histograms_.push_back(std::make_unique<HistogramVec>(std::move(name), std::move(help),
                                                       std::move(labels), std::move(buckets)));
  return *histograms_.back();
}

GaugeVec& MetricsRegistry::gauge(std::string name, std::string help,
                                 std::vector<std::string> labels) {
  std::lock_guard l(mu_);
  for (const auto& c : counters_)
    if (c->name() == name) {
      if (auto* g = dynamic_cast<GaugeVec*>(c.get())) return *g;
      throw std::logic_error("metric " + name + " is declared as a counter");
    }
  counters_.push_back(
      std::make_unique<GaugeVec>(std::move(name), std::move(help), std::move(labels)));
  return static_cast<GaugeVec&>(*counters_.back());
}

std::string MetricsRegistry::render() const {
  std::string out;
  std::lock_guard l(mu_);
  for (const auto& c : counters_) c->render(out);
  for (const auto& h : histograms_) h->render(out);
  return out;
}

HttpStats HttpStats::declare(MetricsRegistry& r) {
  return {
      r.counter("kmslab_http_requests_total", "HTTP requests served, by route, method and status.",
                {"route", "method", "code"}),
      r.histogram("kmslab_http_request_duration_seconds",
                  "Time from a parsed request to its response, by route.", {"route"},
                  {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})};
}

}  // namespace kmslab::core
