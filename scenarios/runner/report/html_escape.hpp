#pragma once
// Text from a run result (scenario messages, HTTP bodies, process logs) is untrusted: every byte
// of it reaches the page through these functions, so it always renders as text.
#include <string>
#include <string_view>

namespace kmslab::scenario::html {

/// Appends `text` escaped for HTML text and quoted attribute values: & < > " ' become entities,
/// C0 controls other than tab/newline/return and invalid UTF-8 become U+FFFD (a page stays valid
/// whatever bytes a log held).
void append_escaped(std::string& out, std::string_view text);

std::string escaped(std::string_view text);

}  // namespace kmslab::scenario::html
