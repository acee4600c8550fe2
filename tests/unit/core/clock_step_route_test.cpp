// The clock routes over the dispatcher: a follower's step endpoint (its registration secret, in
// constant time) and the emulator's subscriber registry.
#include <gtest/gtest.h>

#include "emulator/core/clock_admin.hpp"
#include "emulator/core/dispatcher.hpp"

namespace kmslab::core {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const TimePoint kStart = *parse_rfc3339("2027-01-01T00:00:00Z");

class NullTransport final : public StepTransport {
 public:
  std::string accept(const clock_protocol::Registration&) override { return {}; }
  StepOutcome step(const clock_protocol::Registration&, TimePoint,
                   std::chrono::milliseconds) override {
    return {std::nullopt, "unreachable", true};
  }
  void forget(const std::string&) override {}
};

class ClockRoutesTest : public ::testing::Test {
 protected:
  ClockRoutesTest() {
    register_clock_step_route(router, follower, "s3cret-s3cret-s3cret", "/_kmslab/clock/step");
    const auto admin = router.add_group("admin", {"*"});
    register_clock_routes(router, admin, {emulator, {}, &hub, {}});
    dispatcher = std::make_unique<Dispatcher>(router, emulator, rng, logger, metrics);
  }
  HttpResponse send(http::verb verb, const std::string& target, const std::string& body,
                    const char* authorization = nullptr) {
    HttpRequest req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1:1");
    if (authorization) req.set(http::field::authorization, authorization);
    req.body() = body;
    req.prepare_payload();
    return dispatcher->handle(std::move(req), conn);
  }

  VirtualClock emulator{VirtualClock::Mode::kManual, kStart};
  VirtualClock follower{VirtualClock::Mode::kManual, kStart};
  NullTransport transport;
  ClockHub hub{emulator, transport};
  Router router;
  SeededRng rng{1};
  Logger logger{nullptr, LogLevel::kInfo};
  MetricsRegistry metrics;
  ConnectionInfo conn;
  std::unique_ptr<Dispatcher> dispatcher;
};

TEST_F(ClockRoutesTest, StepNeedsTheRegistrationSecret) {
  int fired = 0;
  follower.schedule_at(kStart + 10s, [&] { ++fired; });
  const std::string body =
      clock_protocol::to_json(clock_protocol::StepRequest{kStart + 10s}).dump();
  for (const char* wrong : {static_cast<const char*>(nullptr), "Bearer s3cret-s3cret-s3cre",
                            "Bearer s3cret-s3cret-s3cret2", "s3cret-s3cret-s3cret"}) {
    EXPECT_EQ(send(http::verb::post, "/_kmslab/clock/step", body, wrong).result_int(), 401u);
  }
  EXPECT_EQ(fired, 0);
  auto ok = send(http::verb::post, "/_kmslab/clock/step", body, "Bearer s3cret-s3cret-s3cret");
  ASSERT_EQ(ok.result_int(), 200u) << ok.body();
  EXPECT_EQ(fired, 1);
  const json answer = json::parse(ok.body());
  EXPECT_EQ(answer["now_unix_nano"], clock_protocol::to_unix_nano(kStart + 10s));
  EXPECT_TRUE(answer["next_due_unix_nano"].is_null());
  auto bad = send(http::verb::post, "/_kmslab/clock/step", "{\"now_unix_nano\":\"x\"}",
                  "Bearer s3cret-s3cret-s3cret");
  EXPECT_EQ(bad.result_int(), 400u);
  EXPECT_NE(bad.body().find("now_unix_nano"), std::string::npos) << bad.body();
  EXPECT_EQ(follower.now(), kStart + 10s);
}

TEST_F(ClockRoutesTest, SubscriberRegistry) {
  const std::string reg =
      R"({"name":"api one","step_url":"https://127.0.0.1:9/s","secret":"0123456789abcdef"})";
  auto created = send(http::verb::post, "/_kmslab/clock/subscribers", reg);
  ASSERT_EQ(created.result_int(), 201u) << created.body();
  EXPECT_EQ(json::parse(created.body())["unix_nano"], clock_protocol::to_unix_nano(kStart));
  EXPECT_EQ(json::parse(created.body())["mode"], "manual");
  EXPECT_EQ(send(http::verb::post, "/_kmslab/clock/subscribers", reg).result_int(), 200u);
  auto listed = send(http::verb::get, "/_kmslab/clock/subscribers", "");
  EXPECT_EQ(listed.body().find("0123456789abcdef"), std::string::npos) << "secret listed";
  EXPECT_EQ(json::parse(listed.body())["subscribers"][0]["name"], "api one");
  auto refused = send(http::verb::post, "/_kmslab/clock/subscribers", "{\"name\":1}");
  EXPECT_EQ(refused.result_int(), 400u);
  EXPECT_NE(refused.body().find("\\\"name\\\" must be a string"), std::string::npos)
      << refused.body();
  // The move reports the subscriber that could not be reached, and drops it.
  auto moved = send(http::verb::post, "/_kmslab/clock", R"({"advance":"10s"})");
  ASSERT_EQ(moved.result_int(), 200u);
  const json report = json::parse(moved.body())["stepped"];
  EXPECT_EQ(report["subscribers"][0]["outcome"], "dropped");
  EXPECT_EQ(report["subscribers"][0]["error"], "unreachable");
  EXPECT_EQ(send(http::verb::delete_, "/_kmslab/clock/subscribers?name=api%20one", "").result_int(),
            404u);
  send(http::verb::post, "/_kmslab/clock/subscribers", reg);
  EXPECT_EQ(send(http::verb::delete_, "/_kmslab/clock/subscribers?name=api%20one", "").result_int(),
            204u);
  EXPECT_EQ(send(http::verb::delete_, "/_kmslab/clock/subscribers", "").result_int(), 400u);
}

TEST(ClockRoutesFollower, AFollowingClockRefusesToBeMovedHere) {
  VirtualClock c{VirtualClock::Mode::kManual, kStart};
  Router router;
  register_clock_routes(router, router.add_group("admin", {"*"}),
                        {c, {}, nullptr, "https://127.0.0.1:8443"});
  SeededRng rng{1};
  Logger logger{nullptr, LogLevel::kInfo};
  MetricsRegistry metrics;
  Dispatcher d(router, c, rng, logger, metrics);
  HttpRequest req{http::verb::post, "/_kmslab/clock", 11};
  req.body() = R"({"advance":"1h"})";
  req.prepare_payload();
  auto res = d.handle(std::move(req), ConnectionInfo{});
  EXPECT_EQ(res.result_int(), 409u);
  EXPECT_NE(res.body().find("follows the virtual clock at https://127.0.0.1:8443"),
            std::string::npos);
  EXPECT_EQ(c.now(), kStart);
}

}  // namespace
}  // namespace kmslab::core
