#pragma once
// Prometheus text exposition (version 0.0.4) read back into samples: what the scenario runner's
// `metrics` steps and the AKS detector read from a process's /metrics. The grammar is
// prometheus/common expfmt's (text_parse.go): blanks are spaces or tabs, names
// [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, label values with the escapes
// \\ \" \n only, a trailing ',' allowed, a value as Go's ParseFloat reads it, an optional integer
// timestamp. Fuzzed by tests/fuzz/fuzz_prometheus_text.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kmslab::core {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

/// Comment lines are skipped and so is every malformed line (a metrics page is evidence to
/// read, not input to judge), so any text gives the samples of its well-formed lines.
std::vector<Sample> parse_prometheus_text(std::string_view text);

/// The value of the first sample `name` whose labels are exactly `labels`; nullopt when none.
std::optional<double> sample_value(std::string_view text, std::string_view name,
                                   const std::map<std::string, std::string>& labels);

}  // namespace kmslab::core
