// core::go_quote against Go's strconv.Quote (expected texts are what Go 1.22's
// fmt.Sprintf("%q", s) prints for the same bytes).
#include "emulator/core/go_quote.hpp"

#include <gtest/gtest.h>

using kmslab::core::go_quote;

TEST(GoQuote, PrintableAsciiKept) {
  EXPECT_EQ(go_quote(""), "\"\"");
  EXPECT_EQ(go_quote("key1 ~!"), "\"key1 ~!\"");
}

TEST(GoQuote, QuotesAndBackslashesEscaped) {
  EXPECT_EQ(go_quote(R"(A "q" \ b)"), R"("A \"q\" \\ b")");
}

TEST(GoQuote, NamedEscapes) {
  EXPECT_EQ(go_quote("\a\b\f\n\r\t\v"), R"("\a\b\f\n\r\t\v")");
}

TEST(GoQuote, OtherControlBytesAsHex) {
  EXPECT_EQ(go_quote(std::string("a\0b", 3)), R"("a\x00b")");
  EXPECT_EQ(go_quote("\x01\x1f\x7f"), R"("\x01\x1f\x7f")");
}

TEST(GoQuote, PrintableUtf8Kept) {
  EXPECT_EQ(go_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");            // é
  EXPECT_EQ(go_quote("\xe2\x82\xac"), "\"\xe2\x82\xac\"");          // €
  EXPECT_EQ(go_quote("\xf0\x9f\x94\x91"), "\"\xf0\x9f\x94\x91\"");  // U+1F511
}

TEST(GoQuote, NonPrintingRunesAsUnicodeEscapes) {
  EXPECT_EQ(go_quote("\xc2\x85"), R"("\u0085")");              // NEL
  EXPECT_EQ(go_quote("\xc2\xa0"), R"("\u00a0")");              // no-break space
  EXPECT_EQ(go_quote("\xe2\x80\x8b"), R"("\u200b")");          // zero-width space
  EXPECT_EQ(go_quote("\xef\xbb\xbf"), R"("\ufeff")");          // BOM
  EXPECT_EQ(go_quote("\xf3\xb0\x80\x80"), R"("\U000f0000")");  // supplementary private use
}

TEST(GoQuote, InvalidUtf8ByteByByte) {
  EXPECT_EQ(go_quote("\xff"), R"("\xff")");
  EXPECT_EQ(go_quote("a\xc3"), R"("a\xc3")");                        // truncated sequence
  EXPECT_EQ(go_quote("\xc0\xaf"), R"("\xc0\xaf")");                  // overlong '/'
  EXPECT_EQ(go_quote("\xed\xa0\x80"), R"("\xed\xa0\x80")");          // surrogate U+D800
  EXPECT_EQ(go_quote("\xf4\x90\x80\x80"), R"("\xf4\x90\x80\x80")");  // above U+10FFFF
  EXPECT_EQ(go_quote("\xe2\x82x"), R"("\xe2\x82x")");                // bad continuation
}
