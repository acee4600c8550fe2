#pragma once
// Go's time.ParseDuration, with its error texts: kube-apiserver passes them through (the KMS
// provider's timeout, --request-timeout, the ?timeout= of a request).
#include <string>
#include <string_view>
#include <variant>

#include "emulator/core/clock.hpp"

namespace kmslab::core {

/// "1m0s", "1.5h", "300ms", "-2s", "0": the duration; else the error text, one of
/// `time: invalid duration "x"`, `time: missing unit in duration "1"`,
/// `time: unknown unit "d" in duration "1d"`.
std::variant<Duration, std::string> parse_go_duration(std::string_view text);

}  // namespace kmslab::core
