// JWT signing and verification: round trips, forgeries, time windows, and malformed input that
// must give an error, never a crash.
#include "emulator/identity/jwt.hpp"

#include <gtest/gtest.h>

#include "emulator/core/base64url.hpp"
#include "tests/unit/identity/identity_test_support.hpp"

namespace kmslab::identity::jwt {
namespace {

using core::base64url_encode;
using std::chrono::seconds;

class JwtTest : public ::testing::Test {
 protected:
  JwtTest()
      : clock(core::VirtualClock::Mode::kManual, *core::parse_rfc3339("2026-05-01T10:00:00Z")) {}

  int64_t now() const { return clock.now_unix_seconds(); }
  nlohmann::json claims() const {
    return {
        {"aud", "https://vault.azure.net"}, {"iat", now()}, {"nbf", now()}, {"exp", now() + 3599}};
  }
  VerifyResult check(std::string_view token) const { return verify(token, key(), clock.now()); }
  static const SigningKey& key() { return *testing::shared_key(); }

  // A token with the given raw header and payload JSON, validly signed by the test key.
  static std::string signed_raw(const std::string& header, const std::string& payload) {
    const std::string input = base64url_encode(header) + "." + base64url_encode(payload);
    return input + "." + base64url_encode(key().sign_rs256(input));
  }

  core::VirtualClock clock;
};

TEST_F(JwtTest, RoundTripKeepsClaimsAndWritesTheEntraHeader) {
  const std::string token = sign(claims(), key());
  const auto result = check(token);
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result.claims(), claims());
  const auto decoded = decode_unverified(token);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->header,
            nlohmann::json({{"typ", "JWT"}, {"alg", "RS256"}, {"kid", key().kid()}}));
}

TEST_F(JwtTest, VerifierUsesTheInjectedClock) {
  const Verifier verifier(key(), clock);
  const std::string token = sign(claims(), key());
  EXPECT_TRUE(verifier.verify(token).ok());
  clock.advance(seconds(3599));
  EXPECT_EQ(verifier.verify(token).error().failure, Failure::kExpired);
}

TEST_F(JwtTest, TamperedPayloadOrSignatureIsABadSignature) {
  const std::string token = sign(claims(), key());
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.rfind('.');
  auto forged = claims();
  forged["aud"] = "https://management.azure.com";
  const std::string swapped =
      token.substr(0, dot1 + 1) + base64url_encode(forged.dump()) + token.substr(dot2);
  EXPECT_EQ(check(swapped).error().failure, Failure::kBadSignature);

  std::string flipped = token;
  flipped[dot2 + 5] = flipped[dot2 + 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(check(flipped).error().failure, Failure::kBadSignature);
}

TEST_F(JwtTest, AnotherKeysTokenIsABadSignature) {
  const SigningKey other = SigningKey::generate();
  EXPECT_EQ(check(sign(claims(), other)).error().failure, Failure::kBadSignature);
  // Same kid claimed, different key: the signature still decides.
  const std::string header = nlohmann::json{{"alg", "RS256"}, {"kid", key().kid()}}.dump();
  const std::string input = base64url_encode(header) + "." + base64url_encode(claims().dump());
  const std::string token = input + "." + base64url_encode(other.sign_rs256(input));
  EXPECT_EQ(check(token).error().failure, Failure::kBadSignature);
}

TEST_F(JwtTest, ExpiryIsExclusiveAndNbfInclusive) {
  const std::string token = sign(claims(), key());
  clock.advance(seconds(3598));
  EXPECT_TRUE(check(token).ok());
  clock.advance(seconds(1));
  EXPECT_EQ(check(token).error().failure, Failure::kExpired);

  auto future = claims();
  future["nbf"] = now() + 60;
  future["exp"] = now() + 600;
  const std::string later = sign(future, key());
  EXPECT_EQ(check(later).error().failure, Failure::kNotYetValid);
  clock.advance(seconds(60));
  EXPECT_TRUE(check(later).ok());
}

TEST_F(JwtTest, LeewayAllowsClockSkewBothWays) {
  auto c = claims();
  c["nbf"] = now() + 30;
  const std::string token = sign(c, key());
  EXPECT_EQ(check(token).error().failure, Failure::kNotYetValid);
  EXPECT_TRUE(verify(token, key(), clock.now(), seconds(300)).ok());
  clock.advance(seconds(3599 + 100));
  EXPECT_TRUE(verify(token, key(), clock.now(), seconds(300)).ok());
  EXPECT_EQ(verify(token, key(), clock.now(), seconds(50)).error().failure, Failure::kExpired);
}

TEST_F(JwtTest, TimeClaimsMustBeIntegers) {
  auto c = claims();
  c.erase("exp");
  EXPECT_EQ(check(sign(c, key())).error().failure, Failure::kMalformed);
  for (const nlohmann::json& bad : {nlohmann::json("123"), nlohmann::json(1.5e9),
                                    nlohmann::json(nullptr), nlohmann::json::array()}) {
    c["exp"] = bad;
    EXPECT_EQ(check(sign(c, key())).error().failure, Failure::kMalformed) << bad;
  }
  c["exp"] = now() + 10;
  c["nbf"] = "soon";
  EXPECT_EQ(check(sign(c, key())).error().failure, Failure::kMalformed);
  // Extreme values neither overflow nor pass as valid.
  c["nbf"] = std::numeric_limits<int64_t>::min();
  c["exp"] = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(check(sign(c, key())).error().failure, Failure::kMalformed);
  c["exp"] = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(check(sign(c, key())).error().failure, Failure::kExpired);
}

TEST_F(JwtTest, OnlyRs256IsAccepted) {
  const std::string payload = base64url_encode(claims().dump());
  const std::string none = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".";
  EXPECT_EQ(check(none).error().failure, Failure::kBadSignature);
  const std::string hs256 =
      base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." + payload + ".c2lnbmF0dXJl";
  EXPECT_EQ(check(hs256).error().failure, Failure::kBadSignature);
  // A correctly signed token whose header lies about the algorithm is refused too.
  EXPECT_EQ(check(signed_raw(R"({"alg":"RS512"})", claims().dump())).error().failure,
            Failure::kBadSignature);
  EXPECT_EQ(check(signed_raw(R"({"alg":"RS256","kid":"other"})", claims().dump())).error().failure,
            Failure::kBadSignature);
  EXPECT_TRUE(check(signed_raw(R"({"alg":"RS256"})", claims().dump())).ok());
}

struct MalformedCase {
  const char* name;
  std::string token;
};

TEST_F(JwtTest, MalformedTokensAreErrorsNotCrashes) {
  const std::string h = base64url_encode(R"({"alg":"RS256","typ":"JWT"})");
  const std::string p = base64url_encode(claims().dump());
  const std::string s = base64url_encode(std::string(256, 'x'));
  const std::vector<MalformedCase> cases = {
      {"empty", ""},
      {"one part", "abc"},
      {"two parts", h + "." + p},
      {"four parts", h + "." + p + "." + s + ".x"},
      {"only dots", ".."},
      {"bad base64url header", "!!!." + p + "." + s},
      {"bad base64url payload", h + ".a*b." + s},
      {"bad base64url signature", h + "." + p + ".%%%"},
      {"impossible base64 length", "a." + p + "." + s},
      {"non-JSON header", base64url_encode("not json") + "." + p + "." + s},
      {"header is an array", base64url_encode("[1,2]") + "." + p + "." + s},
      {"payload is a string", h + "." + base64url_encode("\"x\"") + "." + s},
      {"alg not a string", base64url_encode(R"({"alg":7})") + "." + p + "." + s},
      {"no alg", base64url_encode(R"({"typ":"JWT"})") + "." + p + "." + s},
      {"crit header", signed_raw(R"({"alg":"RS256","crit":["x"]})", claims().dump())},
      {"invalid UTF-8 in JSON", base64url_encode("{\"alg\":\"\xff\"}") + "." + p + "." + s},
      {"deep nesting", h + "." + base64url_encode(std::string(5000, '[')) + "." + s},
      {"NUL bytes", std::string("a\0b.c\0d.e", 9)},
      {"huge input", std::string(10 * 1024 * 1024, 'a')},
      {"huge valid-looking", h + "." + std::string(kMaxTokenBytes, 'A') + "." + s},
  };
  for (const auto& c : cases) {
    const auto result = check(c.token);
    ASSERT_FALSE(result.ok()) << c.name;
    EXPECT_EQ(result.error().failure, Failure::kMalformed)
        << c.name << ": " << result.error().detail;
  }
}

TEST_F(JwtTest, DecodeUnverifiedRefusesWhatVerifyCallsMalformed) {
  EXPECT_FALSE(decode_unverified(""));
  EXPECT_FALSE(decode_unverified("a.b"));
  EXPECT_FALSE(decode_unverified(std::string(kMaxTokenBytes + 1, 'a')));
  const auto decoded = decode_unverified(sign(claims(), key()));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->claims["aud"], "https://vault.azure.net");
}

TEST_F(JwtTest, WrongSizeSignatureIsRejected) {
  const std::string token = sign(claims(), key());
  const std::string truncated = token.substr(0, token.size() - 10);
  EXPECT_FALSE(check(truncated).ok());
  EXPECT_FALSE(check(token.substr(0, token.rfind('.') + 1)).ok());
}

TEST(JwtFailureNames, AreStable) {
  EXPECT_EQ(to_string(Failure::kMalformed), "malformed");
  EXPECT_EQ(to_string(Failure::kBadSignature), "bad_signature");
  EXPECT_EQ(to_string(Failure::kExpired), "expired");
  EXPECT_EQ(to_string(Failure::kNotYetValid), "not_yet_valid");
}

}  // namespace
}  // namespace kmslab::identity::jwt
