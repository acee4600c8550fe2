#pragma once
// Bearer tokens as the emulated Azure services judge them: signed by this emulator's Entra ID
// and inside their validity window (strict), or merely well formed (lenient). Audience, issuer
// and authorisation depend on the service and the resource, so the verdict carries the claims
// they need and each service checks those itself.
//
// A token's lifetime runs in real elapsed time (app_token.cpp says why): it is judged at "real
// now plus the skew it was issued under", with five minutes of leeway, the default of the token
// validation libraries Azure services use.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "emulator/core/clock.hpp"
#include "emulator/identity/jwt.hpp"
#include "emulator/identity/signing_key.hpp"

namespace kmslab::identity {

/// Who a token says the caller is (the claims authorisation and error messages use).
struct TokenClaims {
  std::string tenant_id;  // tid
  std::string object_id;  // oid
  std::string app_id;     // appid (v1) or azp (v2)
  std::string audience;   // aud
  std::string issuer;     // iss
};

struct TokenVerdict {
  std::optional<jwt::Failure> failure;  // nullopt: accepted
  TokenClaims claims;                   // meaningful when accepted
};

class TokenVerifier {
 public:
  TokenVerifier(std::shared_ptr<const SigningKey> key, const core::Clock& clock, bool lenient);

  TokenVerdict verify(std::string_view token) const;
  /// Lenient verifiers accept any well-formed token: services skip audience and issuer too.
  bool lenient() const { return lenient_; }

 private:
  struct Known {
    std::optional<int64_t> skew;  // the token's xms_kmslab_skew claim
    int64_t nbf = 0;
    int64_t exp = 0;
    TokenClaims claims;
  };
  core::TimePoint token_now(std::optional<int64_t> skew) const;
  TokenVerdict verify_new(std::string_view token) const;

  std::shared_ptr<const SigningKey> key_;
  const core::Clock& clock_;
  bool lenient_;
  /// Tokens whose signature was verified: an SDK sends the same token for an hour, and an RSA
  /// verification per request is most of a GET's cost. Bounded; refills on use.
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, Known> known_;
};

/// The claims of a decoded token, whatever their validity.
TokenClaims claims_of(const nlohmann::json& claims);

}  // namespace kmslab::identity
