#include "emulator/keyvault/throttle.hpp"

#include <gtest/gtest.h>

namespace kmslab::keyvault {
namespace {

using namespace std::chrono;

class ThrottleTest : public ::testing::Test {
 protected:
  ThrottleTest() : clock(core::VirtualClock::Mode::kManual, core::TimePoint(seconds(1000))) {
    limits.create_per_window = 4;
    limits.other_per_window = 16;
    limits.rsa3072_per_window = 4;
    limits.rsa4096_per_window = 2;
  }
  Throttle make() {
    return Throttle(limits, clock, [this] { return real; });
  }
  int admitted(Throttle& t, int n, Throttle::Kind kind, const std::string& kty, int bits,
               const std::string& vault = "v") {
    int ok = 0;
    for (int i = 0; i < n; ++i) ok += !t.admit(vault, kind, kty, bits).has_value();
    return ok;
  }
  ThrottleLimits limits;
  core::VirtualClock clock;
  core::TimePoint real{seconds(5000)};
};

TEST_F(ThrottleTest, WeightsFollowKeyTypeAndHsm) {
  auto t = make();
  EXPECT_EQ(admitted(t, 20, Throttle::Kind::kOther, "RSA", 4096), 2);  // weight 8 of 16
  auto t2 = make();
  EXPECT_EQ(admitted(t2, 20, Throttle::Kind::kOther, "RSA-HSM", 2048), 8);  // HSM counts double
  auto t3 = make();
  EXPECT_EQ(admitted(t3, 20, Throttle::Kind::kCreate, "EC", 256), 4);
  EXPECT_EQ(admitted(t3, 20, Throttle::Kind::kOther, "EC", 256), 16);  // separate budgets
}

TEST_F(ThrottleTest, RefusalsUseTheRealBodyAndDoNotCount) {
  auto t = make();
  admitted(t, 16, Throttle::Kind::kOther, "", 0);
  auto e = t.admit("v", Throttle::Kind::kOther, "", 0);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 429u);
  EXPECT_EQ(e->code, "Throttled");
  EXPECT_TRUE(e->headers.empty());  // no Retry-After by default
  EXPECT_EQ(admitted(t, 5, Throttle::Kind::kOther, "", 0, "other-vault"), 5);  // per vault
}

TEST_F(ThrottleTest, WindowsEndWithTheVirtualClockOrRealTime) {
  auto t = make();
  EXPECT_EQ(admitted(t, 20, Throttle::Kind::kOther, "", 0), 16);
  clock.advance(seconds(10));
  EXPECT_EQ(admitted(t, 20, Throttle::Kind::kOther, "", 0), 16);
  real += seconds(10);  // a frozen manual clock does not freeze the budget
  EXPECT_EQ(admitted(t, 20, Throttle::Kind::kOther, "", 0), 16);
}

TEST_F(ThrottleTest, RetryAfterWhenAsked) {
  limits.retry_after = true;
  auto t = make();
  admitted(t, 16, Throttle::Kind::kOther, "", 0);
  auto e = t.admit("v", Throttle::Kind::kOther, "", 0);
  ASSERT_TRUE(e);
  ASSERT_EQ(e->headers.size(), 1u);
  EXPECT_EQ(e->headers[0].first, "Retry-After");
  EXPECT_EQ(e->headers[0].second, "10");
}

TEST_F(ThrottleTest, DisabledAdmitsEverything) {
  limits.enabled = false;
  auto t = make();
  EXPECT_EQ(admitted(t, 100, Throttle::Kind::kCreate, "RSA", 4096), 100);
}

}  // namespace
}  // namespace kmslab::keyvault
