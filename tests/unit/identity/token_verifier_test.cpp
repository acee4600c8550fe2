#include "emulator/identity/token_verifier.hpp"

#include <gtest/gtest.h>

#include "emulator/identity/app_token.hpp"
#include "tests/unit/identity/identity_test_support.hpp"

namespace kmslab::identity {
namespace {

using std::chrono::seconds;

const core::TimePoint kStart = *core::parse_rfc3339("2026-06-01T00:00:00Z");

int64_t unix_of(core::TimePoint t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

nlohmann::json claims(int64_t nbf, int64_t exp) {
  return {{"aud", "https://vault.azure.net"},
          {"iss", "https://sts.windows.net/t1/"},
          {"tid", "t1"},
          {"oid", "o1"},
          {"appid", "a1"},
          {"nbf", nbf},
          {"exp", exp}};
}

TEST(TokenVerifierTest, AcceptsOwnTokensAndReportsTheirClaims) {
  core::VirtualClock clock(core::VirtualClock::Mode::kManual, kStart);
  TokenVerifier verifier(testing::shared_key(), clock, false);
  const auto token =
      jwt::sign(claims(unix_of(kStart), unix_of(kStart) + 3600), *testing::shared_key());
  for (int pass = 0; pass < 2; ++pass) {  // the second pass is answered from the cache
    const auto verdict = verifier.verify(token);
    ASSERT_FALSE(verdict.failure);
    EXPECT_EQ(verdict.claims.tenant_id, "t1");
    EXPECT_EQ(verdict.claims.object_id, "o1");
    EXPECT_EQ(verdict.claims.app_id, "a1");
    EXPECT_EQ(verdict.claims.audience, "https://vault.azure.net");
  }
}

TEST(TokenVerifierTest, ExpiryAndNotBeforeAllowFiveMinutesOfSkewEvenWhenCached) {
  core::VirtualClock clock(core::VirtualClock::Mode::kManual, kStart);
  TokenVerifier verifier(testing::shared_key(), clock, false);
  const int64_t now = unix_of(kStart);
  const auto token = jwt::sign(claims(now, now + 3600), *testing::shared_key());
  ASSERT_FALSE(verifier.verify(token).failure);
  clock.advance(seconds(3600 + 299));
  EXPECT_FALSE(verifier.verify(token).failure) << "inside the leeway";
  clock.advance(seconds(2));
  EXPECT_EQ(verifier.verify(token).failure, jwt::Failure::kExpired);
  const auto early = jwt::sign(claims(unix_of(clock.now()) + 600, unix_of(clock.now()) + 4000),
                               *testing::shared_key());
  EXPECT_EQ(verifier.verify(early).failure, jwt::Failure::kNotYetValid);
}

TEST(TokenVerifierTest, ForgedGarbageAndForeignTokensAreRefusedUnlessLenient) {
  core::VirtualClock clock(core::VirtualClock::Mode::kManual, kStart);
  TokenVerifier strict(testing::shared_key(), clock, false);
  TokenVerifier lenient(testing::shared_key(), clock, true);
  const SigningKey other = SigningKey::generate();
  const auto foreign = jwt::sign(claims(0, unix_of(kStart) + 60), other);
  EXPECT_EQ(strict.verify(foreign).failure, jwt::Failure::kBadSignature);
  EXPECT_FALSE(lenient.verify(foreign).failure);
  EXPECT_EQ(lenient.verify(foreign).claims.object_id, "o1");
  for (const char* garbage : {"", "a.b.c", "not-a-jwt", "W10.W10.x"}) {
    EXPECT_TRUE(strict.verify(garbage).failure) << garbage;
    EXPECT_EQ(lenient.verify(garbage).failure, jwt::Failure::kMalformed) << garbage;
  }
  // Well formed but unsigned: only lenient takes it, as an anonymous caller.
  EXPECT_TRUE(strict.verify("e30.e30.").failure);
  EXPECT_FALSE(lenient.verify("e30.e30.").failure);
}

TEST(TokenVerifierTest, TokensCarryingASkewAreJudgedInRealTime) {
  core::VirtualClock clock(core::VirtualClock::Mode::kManual, kStart);
  TokenVerifier verifier(testing::shared_key(), clock, false);
  const int64_t skew = unix_of(kStart) - unix_of(core::wall_clock_now());
  auto c = claims(unix_of(kStart), unix_of(kStart) + 3600);
  c[kSkewClaim] = skew;
  const auto token = jwt::sign(c, *testing::shared_key());
  clock.advance(std::chrono::hours(24 * 400));
  EXPECT_FALSE(verifier.verify(token).failure) << "moving the virtual clock does not expire it";
}

}  // namespace
}  // namespace kmslab::identity
