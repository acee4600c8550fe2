// The subscriber registration, step request and step answer bodies (clock_protocol.md): what
// they accept, and a clear refusal for everything else.
#include "emulator/core/clock_protocol.hpp"

#include <gtest/gtest.h>

namespace kmslab::core::clock_protocol {
namespace {

template <class T>
std::string refusal(const Parsed<T>& p) {
  const auto* e = std::get_if<std::string>(&p);
  return e ? *e : std::string();
}

TEST(ClockProtocol, RegistrationRoundTripsWithNanoseconds) {
  Registration r{"kmslab-apiserver /tmp/d", "https://127.0.0.1:6443/_kmslab/clock/step",
                 "0123456789abcdef0123456789abcdef", "-----BEGIN CERTIFICATE-----\n",
                 from_unix_nano(1798761600123456789)};
  auto back = parse_registration(to_json(r).dump());
  ASSERT_EQ(refusal(back), "");
  const auto& b = std::get<Registration>(back);
  EXPECT_EQ(b.name, r.name);
  EXPECT_EQ(b.step_url, r.step_url);
  EXPECT_EQ(b.secret, r.secret);
  EXPECT_EQ(b.ca_pem, r.ca_pem);
  ASSERT_TRUE(b.next_due);
  EXPECT_EQ(to_unix_nano(*b.next_due), 1798761600123456789);
  r.next_due.reset();
  auto none = parse_registration(to_json(r).dump());
  ASSERT_EQ(refusal(none), "");
  EXPECT_FALSE(std::get<Registration>(none).next_due);
}

TEST(ClockProtocol, MalformedRegistrationsAreRefusedWithAReason) {
  const std::string ok_secret = "\"secret\":\"0123456789abcdef\"";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "the body must be a JSON object"},
      {"[]", "the body must be a JSON object"},
      {"{\"name\":", "the body must be a JSON object"},
      {"{}", "\"name\" must be a string"},
      {"{\"name\":\"\"}", "\"name\" must be 1 to 253 bytes"},
      {"{\"name\":\"a\\nb\"}", "\"name\" must be printable ASCII"},
      {"{\"name\":7}", "\"name\" must be a string"},
      {"{\"name\":\"a\",\"step_url\":\"ftp://x\"}",
       "\"step_url\" must be an http:// or https:// URL"},
      {"{\"name\":\"a\",\"step_url\":\"https://x\",\"secret\":\"short\"}",
       "\"secret\" must be 16 to 256 bytes"},
      {"{\"name\":\"a\",\"step_url\":\"https://x\"," + ok_secret + ",\"ca_pem\":1}",
       "\"ca_pem\" must be a string"},
      {"{\"name\":\"a\",\"step_url\":\"https://x\"," + ok_secret + ",\"next_due_unix_nano\":1.5}",
       "\"next_due_unix_nano\" must be an integer number of nanoseconds since 1970"},
      {"{\"name\":\"a\",\"step_url\":\"https://x\"," + ok_secret + ",\"next_due_unix_nano\":-1}",
       "\"next_due_unix_nano\" must be an integer number of nanoseconds since 1970"},
      {"{\"name\":\"a\",\"step_url\":\"https://x\"," + ok_secret +
           ",\"next_due_unix_nano\":18446744073709551615}",
       "\"next_due_unix_nano\" must be an integer number of nanoseconds since 1970"},
      {"{\"name\":\"a\",\"step_url\":\"https://x\"," + ok_secret + ",\"next_due_unix_nano\":\"1\"}",
       "\"next_due_unix_nano\" must be an integer number of nanoseconds since 1970"},
  };
  for (const auto& [body, why] : cases) EXPECT_EQ(refusal(parse_registration(body)), why) << body;
  EXPECT_EQ(refusal(parse_registration(std::string(100, '[') + std::string(100, ']'))),
            "the body must be a JSON object");
}

TEST(ClockProtocol, StepBodies) {
  auto s = parse_step_request(to_json(StepRequest{from_unix_nano(5)}).dump());
  ASSERT_EQ(refusal(s), "");
  EXPECT_EQ(to_unix_nano(std::get<StepRequest>(s).now), 5);
  EXPECT_EQ(refusal(parse_step_request("{}")),
            "\"now_unix_nano\" is required (integer nanoseconds since 1970)");
  EXPECT_EQ(refusal(parse_step_request("{\"now_unix_nano\":null}")),
            "\"now_unix_nano\" is required (integer nanoseconds since 1970)");
  EXPECT_EQ(refusal(parse_step_request("{\"now_unix_nano\":true}")),
            "\"now_unix_nano\" must be an integer number of nanoseconds since 1970");
  auto a = parse_step_answer(to_json(StepAnswer{from_unix_nano(7), from_unix_nano(9)}).dump());
  ASSERT_EQ(refusal(a), "");
  EXPECT_EQ(to_unix_nano(*std::get<StepAnswer>(a).next_due), 9);
  auto none = parse_step_answer("{\"now_unix_nano\":7,\"next_due_unix_nano\":null}");
  ASSERT_EQ(refusal(none), "");
  EXPECT_FALSE(std::get<StepAnswer>(none).next_due);
  EXPECT_EQ(refusal(parse_step_answer("not json")), "the body must be a JSON object");
}

}  // namespace
}  // namespace kmslab::core::clock_protocol
