#pragma once
// Comparing a presented secret (the --admin-token bearer, X-IDENTITY-HEADER) with the expected
// one in time that does not depend on where they first differ, so response timing does not leak
// a secret byte by byte. The length is not secret: unequal lengths answer at once.
#include <string_view>

namespace kmslab::core {

/// a == b, in time independent of their contents (OpenSSL's CRYPTO_memcmp) when the lengths match.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace kmslab::core
