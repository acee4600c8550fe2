// What the KMS detector reads from a cluster's apiserver (GET /_kmslab/kms-calls bodies,
// /healthz?verbose text; /metrics text is fuzz_prometheus_text's) and from the plugin's error
// messages, and the route's `since` value: any bytes give values or nothing, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/aks/observation.hpp"
#include "emulator/apiserver/health/kms_calls.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& call : kmslab::aks::parse_kms_calls(text)) {
    if (call.provider.size() > size) __builtin_trap();
  }
  for (const auto& name : kmslab::aks::failing_health_checks(text)) {
    if (name.empty() || name.size() > size) __builtin_trap();
  }
  if (auto e = kmslab::aks::parse_relayed_vault_error(text)) {
    if (e->message.size() > size) __builtin_trap();
    (void)e->headline();
  }
  (void)kmslab::apiserver::health::parse_since(std::string(text));
  return 0;
}
