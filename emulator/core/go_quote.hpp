#pragma once
// Go's %q of a string (strconv.Quote): the form Go programs (go-autorest, apimachinery's field
// errors, time.ParseDuration) put quoted values in their error texts, which kmslab reproduces.
#include <string>
#include <string_view>

namespace kmslab::core {

/// `s` quoted as Go's strconv.Quote does: `"` and `\` escaped; \a \b \f \n \r \t \v by name;
/// other control bytes and each byte of invalid UTF-8 as \xHH; valid UTF-8 kept when the rune
/// is printable, else \uHHHH (\UHHHHHHHH above U+FFFF).
std::string go_quote(std::string_view s);

}  // namespace kmslab::core
