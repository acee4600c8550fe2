// valid_utf8: what may be echoed into JSON.
#include "emulator/core/json_input.hpp"

#include <gtest/gtest.h>

namespace kmslab::core {
namespace {

TEST(ValidUtf8, AcceptsWellFormedText) {
  for (const std::string_view ok :
       {"", "plain ascii", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\x91", "\xf4\x8f\xbf\xbf"}) {
    EXPECT_TRUE(valid_utf8(ok)) << ok;
  }
}

TEST(ValidUtf8, RefusesMalformedText) {
  for (const std::string_view bad :
       {"\xff", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
        "\xf8\x88\x80\x80\x80", "a\x80", "\xe2\x82"}) {
    EXPECT_FALSE(valid_utf8(bad)) << testing::PrintToString(std::string(bad));
  }
}

TEST(ValidUtf8, ChecksEveryNameAndValue) {
  EXPECT_TRUE(valid_utf8(std::map<std::string, std::string>{{"a", "b"}, {"c", "\xc3\xa9"}}));
  EXPECT_FALSE(valid_utf8(std::map<std::string, std::string>{{"a", "b"}, {"c", "\xc3"}}));
  EXPECT_FALSE(valid_utf8(std::map<std::string, std::string>{{"\xff", "b"}}));
}

}  // namespace
}  // namespace kmslab::core
