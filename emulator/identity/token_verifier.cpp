#include "emulator/identity/token_verifier.hpp"

#include "emulator/identity/app_token.hpp"

namespace kmslab::identity {

namespace {

constexpr int64_t kLeewaySeconds = 300;
constexpr size_t kMaxKnownTokens = 4096;

std::string string_claim(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t seconds_of(core::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

TokenClaims claims_of(const nlohmann::json& claims) {
  TokenClaims c{string_claim(claims, "tid"), string_claim(claims, "oid"),
                string_claim(claims, "appid"), string_claim(claims, "aud"),
                string_claim(claims, "iss")};
  if (c.app_id.empty()) c.app_id = string_claim(claims, "azp");
  return c;
}

TokenVerifier::TokenVerifier(std::shared_ptr<const SigningKey> key, const core::Clock& clock,
                             bool lenient)
    : key_(std::move(key)), clock_(clock), lenient_(lenient) {}

core::TimePoint TokenVerifier::token_now(std::optional<int64_t> skew) const {
  return skew ? core::wall_clock_now() + std::chrono::seconds(*skew) : clock_.now();
}

TokenVerdict TokenVerifier::verify(std::string_view token) const {
  if (lenient_) {
    auto decoded = jwt::decode_unverified(token);
    if (!decoded || !decoded->claims.is_object()) return {jwt::Failure::kMalformed, {}};
    return {std::nullopt, claims_of(decoded->claims)};
  }
  std::optional<Known> known;
  {
    std::lock_guard l(mu_);
    if (auto it = known_.find(std::string(token)); it != known_.end()) known = it->second;
  }
  if (!known) return verify_new(token);
  const int64_t now = seconds_of(token_now(known->skew));
  if (now + kLeewaySeconds < known->nbf) return {jwt::Failure::kNotYetValid, {}};
  if (now - kLeewaySeconds >= known->exp) return {jwt::Failure::kExpired, {}};
  return {std::nullopt, known->claims};
}

TokenVerdict TokenVerifier::verify_new(std::string_view token) const {
  Known k;
  auto decoded = jwt::decode_unverified(token);
  if (decoded && decoded->claims.contains(kSkewClaim) &&
      decoded->claims[kSkewClaim].is_number_integer()) {
    k.skew = decoded->claims[kSkewClaim].get<int64_t>();
  }
  const auto result =
      jwt::verify(token, *key_, token_now(k.skew), std::chrono::seconds(kLeewaySeconds));
  if (!result.ok()) return {result.error().failure, {}};
  k.nbf = result.claims().value("nbf", int64_t{0});
  k.exp = result.claims().value("exp", int64_t{0});
  k.claims = claims_of(result.claims());
  std::lock_guard l(mu_);
  if (known_.size() >= kMaxKnownTokens) known_.clear();
  known_.emplace(std::string(token), k);
  return {std::nullopt, k.claims};
}

}  // namespace kmslab::identity
