#include "emulator/core/go_quote.hpp"

#include <cstdint>
#include <cstdio>

namespace kmslab::core {
namespace {

// Length of the valid UTF-8 sequence at s[i] and its rune, or 0 (Go's utf8.DecodeRuneInString:
// no overlong forms, no surrogates, nothing above U+10FFFF).
size_t decode_rune(std::string_view s, size_t i, uint32_t& rune) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  size_t n = 0;
  uint32_t min = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, rune = c & 0x1f, min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, rune = c & 0x0f, min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, rune = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xc0) != 0x80) return 0;
    rune = (rune << 6) | (b(k) & 0x3f);
  }
  if (rune < min || rune > 0x10ffff || (rune >= 0xd800 && rune <= 0xdfff)) return 0;
  return n;
}

// Go's strconv.IsPrint outside ASCII: letters, marks, numbers, punctuation and symbols. This
// lists the non-printing runes a value is likely to hold (C1 controls, the Unicode spaces and
// separators, format characters, private use, noncharacters); unassigned code points, which Go
// also escapes, are kept.
bool printable(uint32_t r) {
  if (r >= 0x80 && r <= 0xa0) return false;  // C1 controls, no-break space
  if (r == 0xad || r == 0x1680 || r == 0x180e) return false;
  if (r >= 0x2000 && r <= 0x200f) return false;  // spaces, zero-width and direction marks
  if (r >= 0x2028 && r <= 0x202f) return false;  // separators, embeddings, narrow space
  if (r >= 0x205f && r <= 0x206f) return false;
  if (r == 0x3000 || r == 0xfeff) return false;
  if (r >= 0xfff9 && r <= 0xfffb) return false;  // interlinear annotation
  if (r >= 0xe000 && r <= 0xf8ff) return false;  // private use
  if ((r & 0xfffe) == 0xfffe) return false;      // noncharacters U+xFFFE, U+xFFFF
  if (r >= 0xf0000) return false;                // supplementary private use
  return true;
}

void append_hex(std::string& out, const char* format, uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, format, value);
  out += buf;
}

}  // namespace

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '"':
          out += "\\\"";
          continue;
        case '\\':
          out += "\\\\";
          continue;
        case '\a':
          out += "\\a";
          continue;
        case '\b':
          out += "\\b";
          continue;
        case '\f':
          out += "\\f";
          continue;
        case '\n':
          out += "\\n";
          continue;
        case '\r':
          out += "\\r";
          continue;
        case '\t':
          out += "\\t";
          continue;
        case '\v':
          out += "\\v";
          continue;
        default:
          break;
      }
      if (c < 0x20 || c == 0x7f) {
        append_hex(out, "\\x%02x", c);
      } else {
        out += static_cast<char>(c);
      }
      continue;
    }
    uint32_t rune = 0;
    const size_t n = decode_rune(s, i, rune);
    if (n == 0) {
      append_hex(out, "\\x%02x", c);  // Go: each byte of invalid UTF-8 on its own
      ++i;
    } else if (printable(rune)) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      append_hex(out, rune > 0xffff ? "\\U%08x" : "\\u%04x", rune);
      i += n;
    }
  }
  return out + "\"";
}

}  // namespace kmslab::core
