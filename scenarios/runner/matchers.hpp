#pragma once
// The matchers of ../SCHEMA.md "expect", on JSON values. A matcher is the JSON form read_matcher
// (schema.cpp) makes: an object of operators and /pointers, every one of which must hold.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kmslab::scenario {

/// Empty when `value` (null pointer: absent) satisfies `matcher`, else what failed, e.g.
/// "expected a value containing 'Succeeded', got \"Failed\"".
std::optional<std::string> match(const nlohmann::json& matcher, const nlohmann::json* value);

/// Resolves an RFC 6901 pointer; null when it names nothing (or is malformed).
const nlohmann::json* resolve_pointer(const nlohmann::json& doc, const std::string& pointer);

/// A short rendering of a value for messages (strings quoted, long ones cut).
std::string show(const nlohmann::json* value);

}  // namespace kmslab::scenario
