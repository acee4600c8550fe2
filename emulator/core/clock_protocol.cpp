#include "emulator/core/clock_protocol.hpp"

#include "emulator/core/json_input.hpp"

namespace kmslab::core::clock_protocol {
namespace {

using nlohmann::json;

json instant(std::optional<TimePoint> t) {
  return t ? json(to_unix_nano(*t)) : json(nullptr);
}

// An integer number of nanoseconds, not before 1970 (floats and strings are refused: a double
// cannot hold today's time to the nanosecond).
std::optional<std::string> read_instant(const json& j, const char* field, bool nullable,
                                        std::optional<TimePoint>& out) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    if (nullable) return std::nullopt;
    return std::string("\"") + field + "\" is required (integer nanoseconds since 1970)";
  }
  const bool in_range = it->is_number_unsigned()
                            ? it->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)
                            : it->is_number_integer() && it->get<int64_t>() >= 0;
  if (!in_range)
    return std::string("\"") + field + "\" must be an integer number of nanoseconds since 1970";
  out = from_unix_nano(it->get<int64_t>());
  return std::nullopt;
}

std::optional<std::string> read_string(const json& j, const char* field, size_t min, size_t max,
                                       std::string& out) {
  const auto it = j.find(field);
  if (it == j.end() && min == 0) return std::nullopt;
  if (it == j.end() || !it->is_string()) return std::string("\"") + field + "\" must be a string";
  out = it->get<std::string>();
  if (out.size() < min || out.size() > max)
    return std::string("\"") + field + "\" must be " + std::to_string(min) + " to " +
           std::to_string(max) + " bytes";
  return std::nullopt;
}

bool printable(std::string_view s) {
  for (const char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

constexpr const char* kNotAnObject = "the body must be a JSON object";

std::optional<json> object_of(std::string_view body) {
  json j = parse_untrusted_json(body);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace

int64_t to_unix_nano(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

TimePoint from_unix_nano(int64_t ns) {
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(ns)));
}

json to_json(const Registration& r) {
  return {{"name", r.name},
          {"step_url", r.step_url},
          {"secret", r.secret},
          {"ca_pem", r.ca_pem},
          {"next_due_unix_nano", instant(r.next_due)}};
}

json to_json(const StepRequest& s) {
  return {{"now_unix_nano", to_unix_nano(s.now)}, {"now", format_rfc3339(s.now)}};
}

json to_json(const StepAnswer& a) {
  return {{"now_unix_nano", to_unix_nano(a.now)}, {"next_due_unix_nano", instant(a.next_due)}};
}

Parsed<Registration> parse_registration(std::string_view body) {
  const auto parsed = object_of(body);
  if (!parsed) return std::string(kNotAnObject);
  const json& j = *parsed;
  Registration r;
  if (auto e = read_string(j, "name", 1, kMaxNameBytes, r.name)) return *e;
  if (!printable(r.name)) return std::string("\"name\" must be printable ASCII");
  if (auto e = read_string(j, "step_url", 1, kMaxUrlBytes, r.step_url)) return *e;
  if (!printable(r.step_url) ||
      !(r.step_url.starts_with("https://") || r.step_url.starts_with("http://")))
    return std::string("\"step_url\" must be an http:// or https:// URL");
  if (auto e = read_string(j, "secret", kMinSecretBytes, kMaxSecretBytes, r.secret)) return *e;
  if (!printable(r.secret)) return std::string("\"secret\" must be printable ASCII");
  if (auto e = read_string(j, "ca_pem", 0, kMaxCaPemBytes, r.ca_pem)) return *e;
  if (auto e = read_instant(j, "next_due_unix_nano", true, r.next_due)) return *e;
  return r;
}

Parsed<StepRequest> parse_step_request(std::string_view body) {
  const auto parsed = object_of(body);
  if (!parsed) return std::string(kNotAnObject);
  std::optional<TimePoint> now;
  if (auto e = read_instant(*parsed, "now_unix_nano", false, now)) return *e;
  return StepRequest{*now};
}

Parsed<StepAnswer> parse_step_answer(std::string_view body) {
  const auto parsed = object_of(body);
  if (!parsed) return std::string(kNotAnObject);
  const json& j = *parsed;
  std::optional<TimePoint> now;
  StepAnswer a;
  if (auto e = read_instant(j, "now_unix_nano", false, now)) return *e;
  a.now = *now;
  if (auto e = read_instant(j, "next_due_unix_nano", true, a.next_due)) return *e;
  return a;
}

}  // namespace kmslab::core::clock_protocol
