// Certificate credentials, both sides: any bytes as a PKCS#12 file (the plugin's aadClientCertPath)
// give a certificate or a clear AuthError; as a client assertion or a PEM certificate (the token
// endpoint), an AADSTS error or a verdict. Never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "emulator/identity/client_assertion.hpp"
#include "plugin/auth/client_certificate.hpp"
#include "plugin/auth/token_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    (void)kmslab::plugin::decode_pkcs12(bytes, "password");
  } catch (const kmslab::plugin::AuthError&) {
  }
  (void)kmslab::identity::check_assertion_claims(
      bytes, "app", {"https://login.microsoftonline.com/t/oauth2/token"}, 1000);
  (void)kmslab::identity::certificate_thumbprint(bytes);
  const size_t half = size / 2;
  (void)kmslab::identity::assertion_signed_by(bytes.substr(0, half), bytes.substr(half));
  return 0;
}
