#include "emulator/keyvault/iso_duration.hpp"

#include <gtest/gtest.h>

namespace kmslab::keyvault {
namespace {

TEST(IsoDuration, ParsesPolicyDurations) {
  EXPECT_EQ(parse_iso_duration("P90D")->count(), 90 * 86400);
  EXPECT_EQ(parse_iso_duration("P2Y")->count(), 2 * 365 * 86400);
  EXPECT_EQ(parse_iso_duration("P1M")->count(), 30 * 86400);
  EXPECT_EQ(parse_iso_duration("P2W")->count(), 14 * 86400);
  EXPECT_EQ(parse_iso_duration("PT12H")->count(), 12 * 3600);
  EXPECT_EQ(parse_iso_duration("P1DT1H1M1S")->count(), 86400 + 3661);
}

TEST(IsoDuration, RejectsMalformed) {
  for (const char* bad : {"", "P", "PT", "90D", "P1X", "P1H", "PT1D", "P-1D", "P1.5D", "P0D",
                          "P1DT", "PTT1H", "P99999999999999D"}) {
    EXPECT_FALSE(parse_iso_duration(bad)) << bad;
  }
}

// recorded-keyvault.md §3 (C:K.RotateKey.json): created 1668715258 (2022-11-17), expiryTime
// "P48M" -> exp 1794945658, i.e. + 126230400 s: four calendar years across a leap day.
TEST(IsoDuration, ShiftsYearsAndMonthsOnTheCalendar) {
  EXPECT_EQ(shift_by_iso_duration(1668715258, "P48M"), 1794945658);
  EXPECT_EQ(shift_by_iso_duration(1668715258, "P4Y"), 1794945658);
  EXPECT_EQ(shift_by_iso_duration(1794945658, "P48M", -1), 1668715258);
  // 2026-01-31 + P1M clamps to 2026-02-28; days and time stay fixed lengths.
  EXPECT_EQ(shift_by_iso_duration(1769817600, "P1M"), 1769817600 + 28 * 86400);
  EXPECT_EQ(shift_by_iso_duration(1000, "P1DT1S"), 1000 + 86401);
  EXPECT_FALSE(shift_by_iso_duration(1000, "P1X"));
}

}  // namespace
}  // namespace kmslab::keyvault
