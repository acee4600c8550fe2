#include "emulator/core/base64url.hpp"

#include <gtest/gtest.h>

namespace kmslab::core {
namespace {

TEST(Base64Url, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(plain), encoded);
    EXPECT_EQ(base64url_decode(encoded), plain);
  }
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
}

TEST(Base64Url, UrlAlphabetAndPaddingTolerance) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64url_encode(bytes), "-_-_");
  EXPECT_EQ(base64_encode(bytes), "+/+/");
  EXPECT_EQ(base64url_decode("Zm8="), "fo");
}

TEST(Base64Url, RejectsMalformedInput) {
  for (const char* bad : {"Z", "Zm9v!", "Zm+v", "Zm/v", "Zm 9v", "Z=m9v", "\xff\xfe"}) {
    EXPECT_FALSE(base64url_decode(bad)) << bad;
  }
  EXPECT_FALSE(base64_decode("Zm-v"));
}

}  // namespace
}  // namespace kmslab::core
