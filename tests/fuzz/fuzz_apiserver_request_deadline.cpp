// Request targets of the simulated kube-apiserver -> its request deadline: the long-running
// check (path and ?watch), the ?timeout= Go duration, and Go's time.ParseDuration on the raw
// input. Every input must give a duration or a Status (or the duration parser's error text),
// never a crash, and a duration never beyond the server's own timeout.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "emulator/apiserver/k8s/request_deadline.hpp"
#include "emulator/core/go_duration.hpp"
#include "emulator/core/router.hpp"

namespace k8s = kmslab::apiserver::k8s;
namespace core = kmslab::core;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)core::parse_go_duration(text);
  const size_t q = text.find('?');
  const auto path = core::percent_decode(std::string_view(text).substr(0, q), false);
  const auto query =
      core::parse_query(q == std::string::npos ? "" : std::string_view(text).substr(q + 1));
  if (!path || !query) return 0;
  (void)k8s::is_long_running("GET", *path, *query);
  (void)k8s::is_long_running("POST", *path, *query);
  const auto timeout = k8s::request_timeout_of(*query, std::chrono::seconds(60));
  if (const auto* d = std::get_if<core::Duration>(&timeout)) {
    if (*d > std::chrono::seconds(60) || *d <= core::Duration::zero()) std::abort();
  }
  return 0;
}
