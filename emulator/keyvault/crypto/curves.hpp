#pragma once
// The elliptic curves a vault offers (JsonWebKeyCurveName) and how OpenSSL names them.
#include <cstddef>
#include <string_view>

namespace kmslab::keyvault::crypto {

struct Curve {
  std::string_view crv;        // JWK name: P-256 | P-384 | P-521 | P-256K
  std::string_view group;      // OpenSSL group name
  int bits;                    // field size, reported as the key's size
  size_t coordinate_bytes;     // x, y, d and each of R, S are this wide
  std::string_view signature;  // the one ES* algorithm this curve signs with
};

/// By JWK name (case-sensitive, as the service treats the enum); nullptr if unknown.
const Curve* find_curve(std::string_view crv);
/// By the group name OpenSSL reports for a key ("prime256v1", "secp256k1", ...).
const Curve* find_curve_by_group(std::string_view group);

}  // namespace kmslab::keyvault::crypto
