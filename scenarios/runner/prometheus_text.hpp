#pragma once
// Prometheus text exposition (version 0.0.4) read back into samples, for `metrics` steps.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kmslab::scenario {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

/// Comment and malformed lines are skipped (a metrics page is not the scenario's input to judge).
std::vector<Sample> parse_prometheus_text(std::string_view text);

}  // namespace kmslab::scenario
