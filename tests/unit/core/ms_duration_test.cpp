#include "emulator/core/ms_duration.hpp"

#include <gtest/gtest.h>

namespace kmslab::core {
namespace {

TEST(MsDuration, RefusesWhatWouldOverflowTheNanosecondCount) {
  EXPECT_EQ(duration_from_ms(1500), std::chrono::milliseconds(1500));
  EXPECT_EQ(duration_from_ms(-1500), std::chrono::milliseconds(-1500));
  EXPECT_TRUE(duration_from_ms(9'000'000'000'000));
  EXPECT_FALSE(duration_from_ms(9'000'000'000'001));
  EXPECT_FALSE(duration_from_ms(-9'000'000'000'001));
  EXPECT_FALSE(duration_from_ms(INT64_MAX));
  EXPECT_FALSE(duration_from_ms(INT64_MIN));
}

}  // namespace
}  // namespace kmslab::core
