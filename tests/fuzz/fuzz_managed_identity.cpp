// The managed identity endpoints' request reading: any bytes as "flags\nquery-or-form\nMetadata
// header\nX-IDENTITY-HEADER", through the form parser, the checks and identity selection.
#include <cstdint>
#include <string_view>

#include "emulator/core/router.hpp"
#include "emulator/identity/managed_identity_request.hpp"

namespace {

std::string_view next_line(std::string_view& rest) {
  const size_t end = rest.find('\n');
  const std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

const std::vector<kmslab::identity::ManagedIdentity>& identities(size_t count) {
  static const std::vector<kmslab::identity::ManagedIdentity> all = [] {
    std::vector<kmslab::identity::ManagedIdentity> v(2);
    v[0].id =
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/"
        "userAssignedIdentities/a";
    v[0].client_id = "11111111-1111-4111-8111-111111111111";
    v[0].principal_id = "22222222-2222-4222-8222-222222222222";
    v[1] = v[0];
    v[1].id += "b";
    v[1].client_id[0] = '3';
    return v;
  }();
  static const std::vector<kmslab::identity::ManagedIdentity> none, one(all.begin(), all.end() - 1);
  return count == 0 ? none : count == 1 ? one : all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kmslab::identity;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view flags = next_line(rest);
  const uint8_t f = flags.empty() ? 0 : static_cast<uint8_t>(flags[0]);
  const auto flavor = static_cast<MiFlavor>(f % 3);
  const auto params = kmslab::core::parse_query(next_line(rest));
  MiHeaders headers;
  if (f & 4) headers.metadata = std::string(next_line(rest));
  if (f & 8) headers.identity_header = std::string(next_line(rest));
  if (!params) return 0;
  auto parsed = parse_mi_request(flavor, *params, headers, "h");
  if (auto* request = std::get_if<MiTokenRequest>(&parsed)) {
    // The checks let no request through without a resource.
    if (request->resource.empty()) __builtin_trap();
    auto selected = select_identity(identities((f >> 4) % 3), request->identity);
    if (auto* mi = std::get_if<ManagedIdentity>(&selected)) {
      mi_token_body(flavor, "t", mi->client_id, request->resource, kManagedIdentityTokenLifetime, 0)
          .dump();
    }
  } else {
    std::get<MiError>(parsed).body.dump();
  }
  return 0;
}
