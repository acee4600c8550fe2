// libFuzzer target: Prometheus text (emulator/core/prometheus_text), what the scenario runner's
// `metrics` steps and the AKS detector read from /metrics. Any bytes give samples or none, never
// a crash; each sample's name and labels come from the input, so none outgrows it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emulator/core/prometheus_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& s : kmslab::core::parse_prometheus_text(text)) {
    size_t bytes = s.name.size();
    for (const auto& [k, v] : s.labels) bytes += k.size() + v.size();
    if (s.name.empty() || bytes > size) __builtin_trap();
  }
  (void)kmslab::core::sample_value(text, "apiserver_storage_objects", {{"resource", "secrets"}});
  return 0;
}
