#pragma once
// JSON Web Tokens as Entra ID issues them: compact JWS, RS256, header {"typ","alg","kid"}.
//
// verify() is the data planes' gate: it must survive any byte string (it is fuzzed), so it never
// throws on bad input and says why a token is refused, because Key Vault answers differently
// for a forged token than for an expired one.
#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "emulator/core/clock.hpp"
#include "emulator/identity/signing_key.hpp"

namespace kmslab::identity::jwt {

/// Real Entra ID tokens are a few KB; anything this large is refused before it is decoded.
inline constexpr size_t kMaxTokenBytes = 64 * 1024;

enum class Failure {
  kMalformed,     // not three base64url JSON parts, or claims of the wrong type
  kBadSignature,  // wrong algorithm, unknown key id, or a signature that does not verify
  kExpired,       // now >= exp
  kNotYetValid,   // now < nbf
};
std::string_view to_string(Failure failure);

struct VerifyError {
  Failure failure = Failure::kMalformed;
  std::string detail;  // for logs; never contains the token
};

/// The verified claims, or why the token was refused.
class VerifyResult {
 public:
  VerifyResult(nlohmann::json claims) : v_(std::move(claims)) {}  // NOLINT: implicit by design
  VerifyResult(VerifyError error) : v_(std::move(error)) {}       // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const nlohmann::json& claims() const { return std::get<0>(v_); }
  const VerifyError& error() const { return std::get<1>(v_); }

 private:
  std::variant<nlohmann::json, VerifyError> v_;
};

/// Signs `claims` (a JSON object) with `key`: header {"typ":"JWT","alg":"RS256","kid":...}.
std::string sign(const nlohmann::json& claims, const SigningKey& key);

/// Checks structure, the RS256 signature by `key`, then exp (required) and nbf (optional)
/// against `now`, allowing `leeway` of clock skew. Audience and issuer are the caller's to check
/// in claims(), since they depend on the resource being accessed.
VerifyResult verify(std::string_view token, const SigningKey& key, core::TimePoint now,
                    std::chrono::seconds leeway = std::chrono::seconds(0));

struct Decoded {
  nlohmann::json header;
  nlohmann::json claims;
};
/// Splits and decodes without verifying anything (diagnostics, tests); nullopt when malformed.
std::optional<Decoded> decode_unverified(std::string_view token);

/// verify() bound to a key and the injected clock: what a data plane holds.
class Verifier {
 public:
  Verifier(const SigningKey& key, const core::Clock& clock,
           std::chrono::seconds leeway = std::chrono::seconds(0))
      : key_(key), clock_(clock), leeway_(leeway) {}
  VerifyResult verify(std::string_view token) const {
    return jwt::verify(token, key_, clock_.now(), leeway_);
  }

 private:
  const SigningKey& key_;
  const core::Clock& clock_;
  std::chrono::seconds leeway_;
};

}  // namespace kmslab::identity::jwt
