#include "emulator/identity/ids.hpp"

#include <openssl/sha.h>

#include <array>
#include <cstdint>

#include "emulator/core/router.hpp"

namespace kmslab::identity {

namespace {

// The UUIDv5 namespace for kmslab object ids (itself a random v4 UUID, fixed forever).
constexpr std::array<uint8_t, 16> kObjectIdNamespace = {
    0x3b, 0x8f, 0x2c, 0x61, 0x94, 0xd7, 0x4e, 0x05, 0xa1, 0x6c, 0x5f, 0x20, 0x7e, 0x93, 0xb4, 0x18};

std::string format_uuid(const uint8_t* b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0xf];
  }
  return out;
}

}  // namespace

bool is_guid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const char c = text[i];
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  return true;
}

bool is_tenant_alias(std::string_view tenant) {
  const std::string t = core::to_lower(tenant);
  return t == "common" || t == "organizations" || t == "consumers";
}

std::string resolve_tenant(std::string_view path_tenant, std::string_view default_tenant) {
  return core::to_lower(is_guid(path_tenant) ? path_tenant : default_tenant);
}

std::string object_id_for(std::string_view tenant_id, std::string_view client_id) {
  // RFC 4122 §4.3: SHA-1(namespace || name), then set the version and variant bits.
  const std::string name = core::to_lower(tenant_id) + "/" + core::to_lower(client_id);
  std::string input(kObjectIdNamespace.begin(), kObjectIdNamespace.end());
  input += name;
  uint8_t digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  digest[6] = static_cast<uint8_t>((digest[6] & 0x0f) | 0x50);
  digest[8] = static_cast<uint8_t>((digest[8] & 0x3f) | 0x80);
  return format_uuid(digest);
}

}  // namespace kmslab::identity
