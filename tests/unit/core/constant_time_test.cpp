#include "emulator/core/constant_time.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kmslab::core {
namespace {

TEST(ConstantTimeEqual, EqualOnlyForTheSameBytes) {
  EXPECT_TRUE(constant_time_equal("s3cret-token", "s3cret-token"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("s3cret-token", "s3cret-tokex"));  // last byte
  EXPECT_FALSE(constant_time_equal("s3cret-token", "x3cret-token"));  // first byte
  EXPECT_FALSE(constant_time_equal("s3cret-token", "s3cret-toke"));   // a prefix
  EXPECT_FALSE(constant_time_equal("s3cret-token", "s3cret-token!"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

TEST(ConstantTimeEqual, ComparesEmbeddedNulBytes) {
  const std::string a("ab\0cd", 5);
  const std::string b("ab\0ce", 5);
  EXPECT_TRUE(constant_time_equal(a, std::string("ab\0cd", 5)));
  EXPECT_FALSE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal(a, "ab"));  // strcmp would stop at the NUL
}

}  // namespace
}  // namespace kmslab::core
