// The plugin's reading of Key Vault answers, fed directly: the first byte picks encrypt (200),
// decrypt (200) or an error answer (status from the second byte); the rest is the body. Only
// KeyVaultError may leave a parser (go-autorest's words); anything else escapes and fails.
#include <cstddef>
#include <cstdint>
#include <string>

#include "plugin/keyvault/autorest_error.hpp"
#include "plugin/keyvault/keyvault_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kmslab;
  if (size < 2) return 0;
  core::client::Response r;
  r.status = 200;
  r.headers = {{"date", "Tue, 01 Dec 2026 00:00:00 GMT"}, {"x-ms-request-id", "id"}};
  r.body.assign(reinterpret_cast<const char*>(data + 2), size - 2);
  try {
    switch (data[0] % 3) {
      case 0:
        plugin::parse_encrypt_response(r);
        break;
      case 1:
        plugin::parse_decrypt_response(r);
        break;
      default:
        if (plugin::autorest_response_error("keyvault.BaseClient", "Encrypt", 400u + data[1],
                                            r.body)
                .empty())
          __builtin_trap();
    }
  } catch (const plugin::KeyVaultError&) {
  }
  return 0;
}
