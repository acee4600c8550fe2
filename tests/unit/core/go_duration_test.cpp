// Go's time.ParseDuration (time/format.go): values and the three error texts kube-apiserver
// passes through.
#include "emulator/core/go_duration.hpp"

#include <gtest/gtest.h>

namespace kmslab::core {
namespace {

using std::chrono::duration_cast;
using std::chrono::nanoseconds;

int64_t ns(std::string_view text) {
  auto d = parse_go_duration(text);
  EXPECT_TRUE(std::holds_alternative<Duration>(d)) << text;
  return std::holds_alternative<Duration>(d)
             ? duration_cast<nanoseconds>(std::get<Duration>(d)).count()
             : -1;
}

std::string error(std::string_view text) {
  auto d = parse_go_duration(text);
  return std::holds_alternative<std::string>(d) ? std::get<std::string>(d) : "";
}

TEST(GoDurationTest, ParsesWhatGoParses) {
  EXPECT_EQ(ns("1m0s"), 60'000'000'000);
  EXPECT_EQ(ns("1.5h"), 5'400'000'000'000);
  EXPECT_EQ(ns("300ms"), 300'000'000);
  EXPECT_EQ(ns("2us"), 2'000);
  EXPECT_EQ(ns("2\xc2\xb5s"), 2'000);
  EXPECT_EQ(ns("1h2m3.5s"), 3'723'500'000'000);
  EXPECT_EQ(ns(".5s"), 500'000'000);
  EXPECT_EQ(ns("-2s"), -2'000'000'000);
  EXPECT_EQ(ns("+3ns"), 3);
  EXPECT_EQ(ns("0"), 0);
  EXPECT_EQ(ns("-0"), 0);
  EXPECT_EQ(ns("9223372036854775807ns"), INT64_MAX);
}

TEST(GoDurationTest, RefusesWithGosErrorTexts) {
  EXPECT_EQ(error(""), "time: invalid duration \"\"");
  EXPECT_EQ(error("abc"), "time: invalid duration \"abc\"");
  EXPECT_EQ(error("."), "time: invalid duration \".\"");
  EXPECT_EQ(error("-.s"), "time: invalid duration \"-.s\"");
  EXPECT_EQ(error("5"), "time: missing unit in duration \"5\"");
  EXPECT_EQ(error("1s5"), "time: missing unit in duration \"1s5\"");
  EXPECT_EQ(error("1d"), "time: unknown unit \"d\" in duration \"1d\"");
  EXPECT_EQ(error("9223372036854775808ns"), "time: invalid duration \"9223372036854775808ns\"");
  EXPECT_EQ(error("99999999999999999999s"), "time: invalid duration \"99999999999999999999s\"");
  EXPECT_EQ(error("3000000h"), "time: invalid duration \"3000000h\"");
  // The time package's quote: bytes outside printable ASCII as \xHH.
  EXPECT_EQ(error("1\n"), "time: unknown unit \"\\x0a\" in duration \"1\\x0a\"");
  EXPECT_EQ(error("\"x"), "time: invalid duration \"\\\"x\"");
}

}  // namespace
}  // namespace kmslab::core
