#include "emulator/keyvault/crypto/curves.hpp"

#include <array>

namespace kmslab::keyvault::crypto {
namespace {

// OpenSSL reports the SEC/X9.62 short names; keygen and fromdata accept them too.
constexpr std::array<Curve, 4> kCurves{{
    {"P-256", "prime256v1", 256, 32, "ES256"},
    {"P-384", "secp384r1", 384, 48, "ES384"},
    {"P-521", "secp521r1", 521, 66, "ES512"},
    {"P-256K", "secp256k1", 256, 32, "ES256K"},
}};

}  // namespace

const Curve* find_curve(std::string_view crv) {
  for (const Curve& c : kCurves) {
    if (c.crv == crv) return &c;
  }
  return nullptr;
}

const Curve* find_curve_by_group(std::string_view group) {
  for (const Curve& c : kCurves) {
    if (c.group == group) return &c;
  }
  // OpenSSL may also report the NIST aliases.
  return find_curve(group);
}

}  // namespace kmslab::keyvault::crypto
