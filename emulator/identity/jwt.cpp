#include "emulator/identity/jwt.hpp"
#include "emulator/core/json_input.hpp"

#include <cstdint>
#include <limits>

#include "emulator/core/base64url.hpp"

namespace kmslab::identity::jwt {

namespace {

struct Split {
  std::string_view header, payload, signature;
  std::string_view signing_input;  // "header.payload", the bytes the signature covers
};

std::optional<Split> split(std::string_view token) {
  const size_t a = token.find('.');
  if (a == std::string_view::npos) return std::nullopt;
  const size_t b = token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return Split{token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1),
               token.substr(0, b)};
}

// A base64url segment holding a JSON object, or a discarded/non-object value.
nlohmann::json json_segment(std::string_view segment) {
  auto bytes = core::base64url_decode(segment);
  if (!bytes) return nlohmann::json::value_t::discarded;
  auto j = core::parse_untrusted_json(*bytes);
  return j.is_object() ? j : nlohmann::json(nlohmann::json::value_t::discarded);
}

VerifyError fail(Failure failure, std::string detail) {
  return {failure, std::move(detail)};
}

// Time claims are integer NumericDates; anything else (float, string, out of range) is refused.
std::optional<int64_t> numeric_date(const nlohmann::json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    const auto v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  if (it->is_number_integer()) return it->get<int64_t>();
  return std::nullopt;
}

std::optional<VerifyError> check_header(const nlohmann::json& header, const SigningKey& key) {
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return fail(Failure::kMalformed, "no alg");
  // Only RS256 with our key: "none" and HMAC algorithms are the classic forgery routes.
  if (*alg != "RS256") {
    return fail(Failure::kBadSignature, "unsupported alg " + alg->get<std::string>().substr(0, 16));
  }
  if (header.contains("crit")) return fail(Failure::kMalformed, "unsupported crit header");
  const auto kid = header.find("kid");
  if (kid != header.end() && (!kid->is_string() || *kid != key.kid())) {
    return fail(Failure::kBadSignature, "unknown kid");
  }
  return std::nullopt;
}

std::optional<VerifyError> check_times(const nlohmann::json& claims, core::TimePoint now,
                                       std::chrono::seconds leeway) {
  const int64_t t =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const auto exp = numeric_date(claims, "exp");
  if (!exp) return fail(Failure::kMalformed, "missing or invalid exp");
  const bool has_nbf = claims.contains("nbf");
  const auto nbf = numeric_date(claims, "nbf");
  if (has_nbf && !nbf) return fail(Failure::kMalformed, "invalid nbf");
  // Written as subtractions from `t` (a sane time) so extreme claim values cannot overflow.
  if (t - leeway.count() >= *exp) return fail(Failure::kExpired, "token expired");
  if (nbf && t + leeway.count() < *nbf) return fail(Failure::kNotYetValid, "token not yet valid");
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Failure failure) {
  switch (failure) {
    case Failure::kMalformed:
      return "malformed";
    case Failure::kBadSignature:
      return "bad_signature";
    case Failure::kExpired:
      return "expired";
    case Failure::kNotYetValid:
      return "not_yet_valid";
  }
  return "unknown";
}

std::string sign(const nlohmann::json& claims, const SigningKey& key) {
  const nlohmann::json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"kid", key.kid()}};
  std::string input =
      core::base64url_encode(header.dump()) + "." + core::base64url_encode(claims.dump());
  const std::string signature = key.sign_rs256(input);
  return input + "." + core::base64url_encode(signature);
}

std::optional<Decoded> decode_unverified(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return std::nullopt;
  const auto parts = split(token);
  if (!parts) return std::nullopt;
  Decoded out{json_segment(parts->header), json_segment(parts->payload)};
  if (out.header.is_discarded() || out.claims.is_discarded()) return std::nullopt;
  return out;
}

VerifyResult verify(std::string_view token, const SigningKey& key, core::TimePoint now,
                    std::chrono::seconds leeway) {
  if (token.empty()) return fail(Failure::kMalformed, "empty token");
  if (token.size() > kMaxTokenBytes) return fail(Failure::kMalformed, "token too large");
  const auto parts = split(token);
  if (!parts) return fail(Failure::kMalformed, "not three dot-separated parts");
  const nlohmann::json header = json_segment(parts->header);
  if (header.is_discarded()) return fail(Failure::kMalformed, "header is not base64url JSON");
  if (auto err = check_header(header, key)) return *err;
  nlohmann::json claims = json_segment(parts->payload);
  if (claims.is_discarded()) return fail(Failure::kMalformed, "payload is not base64url JSON");
  const auto signature = core::base64url_decode(parts->signature);
  if (!signature) return fail(Failure::kMalformed, "signature is not base64url");
  if (!key.verify_rs256(parts->signing_input, *signature)) {
    return fail(Failure::kBadSignature, "signature does not verify");
  }
  if (auto err = check_times(claims, now, leeway)) return *err;
  return claims;
}

}  // namespace kmslab::identity::jwt
