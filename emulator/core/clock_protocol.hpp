#pragma once
// The wire shapes of time across processes (clock_protocol.md): a subscriber process registers
// with the emulator's admin API, and the emulator steps it through every due instant of an
// advance. Instants travel as integer nanoseconds since the Unix epoch, so a timer armed at a
// fractional second is stepped exactly at its deadline.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "emulator/core/clock.hpp"

namespace kmslab::core::clock_protocol {

/// What a parser returns: the value, or why the input was refused (never empty).
template <class T>
using Parsed = std::variant<T, std::string>;

inline constexpr size_t kMaxNameBytes = 253;
inline constexpr size_t kMaxUrlBytes = 2048;
inline constexpr size_t kMinSecretBytes = 16;
inline constexpr size_t kMaxSecretBytes = 256;
inline constexpr size_t kMaxCaPemBytes = 64 * 1024;

int64_t to_unix_nano(TimePoint t);
TimePoint from_unix_nano(int64_t ns);

/// POST /_kmslab/clock/subscribers: who to step, where, and how the step call authenticates.
struct Registration {
  std::string name;      // replaces an earlier registration of the same name (a restart)
  std::string step_url;  // http(s)://host:port/path the emulator POSTs steps to
  std::string secret;    // the step call's bearer token (compared in constant time)
  std::string ca_pem;    // trust anchor for an https step_url (the subscriber's own CA)
  std::optional<TimePoint> next_due;
};

/// The step call's body: run every timer due by `now`, then stand at `now`.
struct StepRequest {
  TimePoint now;
};

/// The subscriber's answer: where its clock stands and its next due instant (none: no timer).
struct StepAnswer {
  TimePoint now;
  std::optional<TimePoint> next_due;
};

nlohmann::json to_json(const Registration& r);  // the secret included: the stored form too
nlohmann::json to_json(const StepRequest& s);
nlohmann::json to_json(const StepAnswer& a);

/// Each takes untrusted bytes (a request or response body, a stored record).
Parsed<Registration> parse_registration(std::string_view body);
Parsed<StepRequest> parse_step_request(std::string_view body);
Parsed<StepAnswer> parse_step_answer(std::string_view body);

}  // namespace kmslab::core::clock_protocol
