// The plugin's reading of a token endpoint's answer (Entra ID or IMDS), fed directly: the first
// byte picks the status (even: 200, odd: 400 + the second byte), the rest is the body. Only
// AuthError may leave the parser (adal's words); only a 200 yields a token, one the body holds,
// and its expiry is computed without overflow.
#include <cstddef>
#include <cstdint>
#include <string>

#include "plugin/auth/token_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kmslab;
  if (size < 2) return 0;
  core::client::Response r;
  r.status = data[0] % 2 == 0 ? 200u : 400u + data[1];
  r.body.assign(reinterpret_cast<const char*>(data + 2), size - 2);
  constexpr int64_t kNow = 1'800'000'000;
  try {
    const auto token =
        plugin::parse_token_response(r, "https://login.example/t/oauth2/token", kNow);
    if (r.status != 200 || token.access_token.size() > r.body.size()) __builtin_trap();
  } catch (const plugin::AuthError&) {
  }
  return 0;
}
