// azure.json (YAML or JSON) and --listen-addr: any bytes give a config or upstream's error,
// never a crash.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "plugin/auth/azure_config.hpp"
#include "plugin/grpc/listen_address.hpp"
#include "plugin/keyvault/cloud.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto config = kmslab::plugin::parse_azure_config(text);
    try {
      kmslab::plugin::parse_cloud(config.cloud == "AzureStackCloud" ? "" : config.cloud, "");
    } catch (const std::runtime_error&) {
    }
  } catch (const std::runtime_error&) {
  }
  (void)kmslab::plugin::parse_listen_address(text);
  return 0;
}
