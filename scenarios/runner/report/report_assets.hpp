#pragma once
// The page's inline style sheet and script (no model data in either: the script reads the page).
#include <string_view>

namespace kmslab::scenario::report {

std::string_view report_css();
std::string_view report_js();

}  // namespace kmslab::scenario::report
