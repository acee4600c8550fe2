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

#include "emulator/core/json_input.hpp"

namespace kmslab::core {
namespace {

TEST(UntrustedJson, DepthIsLimitedBeforeParsing) {
  EXPECT_EQ(parse_untrusted_json(R"({"a":[1,{"b":"[[[["}]})")["a"][1]["b"], "[[[[");
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  EXPECT_TRUE(parse_untrusted_json(deep).is_discarded());
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_FALSE(parse_untrusted_json(ok).is_discarded());
  const std::string million = std::string(1000000, '[') + std::string(1000000, ']');
  EXPECT_TRUE(parse_untrusted_json(million).is_discarded());
  EXPECT_TRUE(parse_untrusted_json("{not json").is_discarded());
  EXPECT_FALSE(parse_untrusted_json(
                   R"(["\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["])")
                   .is_discarded());
}

}  // namespace
}  // namespace kmslab::core
