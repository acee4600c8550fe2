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

}  // namespace
}  // namespace kmslab::keyvault
