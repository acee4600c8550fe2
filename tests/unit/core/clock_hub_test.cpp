// Time across processes (clock_protocol.md): an advance on the emulator steps every due instant,
// its own timers' and every subscriber's, in order, with the emulator's clock standing at each
// instant while the subscriber runs. Subscribers here are in-process VirtualClocks behind a fake
// transport that calls apply_step as the HTTPS step route does.
#include <gtest/gtest.h>

#include <map>

#include "emulator/core/clock_admin.hpp"
#include "emulator/core/clock_hub.hpp"

namespace kmslab::core {
namespace {

using namespace std::chrono_literals;
using clock_protocol::Registration;

const TimePoint kStart = *parse_rfc3339("2027-01-01T00:00:00Z");

struct Event {
  std::string who;
  Duration own, leader;  // the firing clock's time and the emulator's, from kStart
  bool operator==(const Event&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Event& e) {
  return os << e.who << "@" << std::chrono::duration_cast<std::chrono::milliseconds>(e.own).count()
            << "/" << std::chrono::duration_cast<std::chrono::milliseconds>(e.leader).count();
}

class FakeTransport final : public StepTransport {
 public:
  struct Sub {
    VirtualClock clock{VirtualClock::Mode::kManual, kStart};
    StepOutcome failure;  // answered instead of stepping when `fails`
    bool fails = false;
    bool spins = false;  // answers a next due instant equal to the step's
    int steps = 0;
  };
  std::string accept(const Registration& r) override {
    if (r.step_url == "https://bad") return "bad url";
    subs.try_emplace(r.name);
    return {};
  }
  StepOutcome step(const Registration& r, TimePoint now, std::chrono::milliseconds) override {
    Sub& s = subs.at(r.name);
    ++s.steps;
    if (s.fails) return s.failure;
    auto answer = apply_step(s.clock, now);
    if (s.spins) answer.next_due = now;
    return {answer, {}, false};
  }
  void forget(const std::string& name) override { forgotten.push_back(name); }

  std::map<std::string, Sub> subs;
  std::vector<std::string> forgotten;
};

class ClockHubTest : public ::testing::Test {
 protected:
  Registration reg(const std::string& name) {
    return {name, "https://127.0.0.1:1/_kmslab/clock/step", "0123456789abcdef0123", "", {}};
  }
  VirtualClock& join(const std::string& name) {
    EXPECT_EQ(hub.subscribe(reg(name)), "");
    return transport.subs.at(name).clock;
  }
  // A timer on `on` at kStart + at that records who ran, when, and where the emulator stood.
  void record_at(VirtualClock& on, const std::string& who, Duration at) {
    on.schedule_at(kStart + at, [this, &on, who] {
      events.push_back({who, on.now() - kStart, emulator.now() - kStart});
    });
  }

  VirtualClock emulator{VirtualClock::Mode::kManual, kStart};
  FakeTransport transport;
  ClockHubOptions options;
  ClockHub hub{emulator, transport, options};
  std::vector<Event> events;
};

TEST_F(ClockHubTest, StepsEveryDueInstantInOrderAcrossSubscribersAndTheEmulator) {
  VirtualClock& a = join("a");
  VirtualClock& b = join("b");
  record_at(a, "a", 10s);
  record_at(b, "b", 20s);
  record_at(emulator, "emu", 30s);
  record_at(a, "a", 40s);
  record_at(b, "b", 40s);
  record_at(emulator, "emu", 40s);
  const MoveReport report = hub.advance(60s);
  const std::vector<Event> expected = {{"a", 10s, 10s},   {"b", 20s, 20s}, {"emu", 30s, 30s},
                                       {"emu", 40s, 40s}, {"a", 40s, 40s}, {"b", 40s, 40s}};
  EXPECT_EQ(events, expected);
  EXPECT_EQ(report.instants, 4u);
  EXPECT_EQ(emulator.now(), kStart + 60s);
  EXPECT_EQ(a.now(), kStart + 60s);
  EXPECT_EQ(b.now(), kStart + 60s);
  ASSERT_EQ(report.subscribers.size(), 2u);
  // a: the first step at the start, 10 s, 40 s and the final one at 60 s.
  EXPECT_EQ(report.subscribers[0].steps, 4u);
  EXPECT_EQ(report.subscribers[0].outcome, "ok");
  EXPECT_TRUE(report.warnings.empty());
}

TEST_F(ClockHubTest, ATimerArmedDuringAStepInsideTheIntervalIsSteppedToo) {
  VirtualClock& a = join("a");
  a.schedule_at(kStart + 10s, [&] { record_at(a, "a-rearmed", 15s); });
  record_at(emulator, "emu", 12s);
  hub.advance(1min);
  const std::vector<Event> expected = {{"emu", 12s, 12s}, {"a-rearmed", 15s, 15s}};
  EXPECT_EQ(events, expected);
}

TEST_F(ClockHubTest, ASubscriberThatDoesNotAnswerIsSkippedThenDroppedAfterThreeMoves) {
  VirtualClock& a = join("a");
  join("slow");
  transport.subs.at("slow").fails = true;
  transport.subs.at("slow").failure = {std::nullopt, "no answer within 30000 ms", false};
  record_at(a, "a", 5s);
  const MoveReport first = hub.advance(10s);
  EXPECT_EQ(events, (std::vector<Event>{{"a", 5s, 5s}}));
  EXPECT_EQ(emulator.now(), kStart + 10s);
  ASSERT_EQ(first.subscribers.size(), 2u);
  EXPECT_EQ(first.subscribers[1].name, "slow");
  EXPECT_EQ(first.subscribers[1].outcome, "skipped");
  EXPECT_EQ(first.subscribers[1].error, "no answer within 30000 ms");
  EXPECT_EQ(transport.subs.at("slow").steps, 1);  // not called again in the same move
  hub.advance(1s);
  EXPECT_EQ(hub.subscribers().size(), 2u);
  const MoveReport third = hub.advance(1s);
  EXPECT_EQ(third.subscribers[1].outcome, "dropped");
  ASSERT_EQ(hub.subscribers().size(), 1u);
  EXPECT_EQ(hub.subscribers()[0].name, "a");
  EXPECT_EQ(transport.forgotten, std::vector<std::string>{"slow"});
}

TEST_F(ClockHubTest, ASubscriberThatIsGoneIsDroppedAtOnce) {
  join("a");
  transport.subs.at("a").fails = true;
  transport.subs.at("a").failure = {std::nullopt, "dial tcp 127.0.0.1:1: Connection refused", true};
  const MoveReport r = hub.advance(10s);
  ASSERT_EQ(r.subscribers.size(), 1u);
  EXPECT_EQ(r.subscribers[0].outcome, "dropped");
  EXPECT_TRUE(hub.subscribers().empty());
  EXPECT_EQ(emulator.now(), kStart + 10s);
}

TEST_F(ClockHubTest, SpinGuardStopsASubscriberThatIsAlwaysDue) {
  VirtualClock& a = join("a");
  transport.subs.at("a").spins = true;
  record_at(emulator, "emu", 5s);
  const MoveReport r = hub.advance(10s);
  EXPECT_EQ(emulator.now(), kStart + 10s);
  EXPECT_EQ(a.now(), kStart + 10s);
  EXPECT_EQ(transport.subs.at("a").steps, 2);  // the first step, then only the final one
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("spin guard: a answered"), std::string::npos) << r.warnings[0];
}

TEST(ClockHubSpin, TooManyInstantsRunTheRestOfTheIntervalAtOnce) {
  VirtualClock emulator{VirtualClock::Mode::kManual, kStart};
  FakeTransport transport;
  ClockHubOptions options;
  options.max_instants = 50;
  ClockHub hub{emulator, transport, options};
  ASSERT_EQ(hub.subscribe({"a", "https://x", "0123456789abcdef", "", {}}), "");
  VirtualClock& a = transport.subs.at("a").clock;
  int fired = 0;
  std::function<void()> tick = [&] {
    ++fired;
    a.schedule_at(a.now() + 1ms, tick);
  };
  a.schedule_at(kStart + 1ms, tick);
  const MoveReport r = hub.advance(1s);
  EXPECT_EQ(r.instants, 50u);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("50 due instants"), std::string::npos) << r.warnings[0];
  // The subscriber's own clock still ran every tick, in order, in the final step.
  EXPECT_EQ(fired, 1000);
  EXPECT_EQ(a.now(), kStart + 1s);
}

TEST_F(ClockHubTest, SetBackwardsMovesEveryoneAndFiresNothing) {
  VirtualClock& a = join("a");
  hub.advance(1h);
  record_at(a, "a", 90min);
  record_at(emulator, "emu", 90min);
  hub.set(kStart + 30min);
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(emulator.now(), kStart + 30min);
  EXPECT_EQ(a.now(), kStart + 30min);
  hub.set(kStart + 2h);  // forward again: both fire at 90 min
  EXPECT_EQ(events, (std::vector<Event>{{"emu", 90min, 90min}, {"a", 90min, 90min}}));
}

TEST_F(ClockHubTest, ReRegisteringByNameReplacesAndEveryChangeIsPersisted) {
  std::vector<size_t> persisted;
  hub.on_change([&](const std::vector<Registration>& list) { persisted.push_back(list.size()); });
  bool replaced = true;
  EXPECT_EQ(hub.subscribe(reg("a"), &replaced), "");
  EXPECT_FALSE(replaced);
  Registration again = reg("a");
  again.step_url = "https://127.0.0.1:2/_kmslab/clock/step";
  EXPECT_EQ(hub.subscribe(again, &replaced), "");
  EXPECT_TRUE(replaced);
  ASSERT_EQ(hub.subscribers().size(), 1u);
  EXPECT_EQ(hub.subscribers()[0].step_url, again.step_url);
  Registration bad = reg("b");
  bad.step_url = "https://bad";
  EXPECT_EQ(hub.subscribe(bad), "bad url");
  EXPECT_TRUE(hub.unsubscribe("a"));
  EXPECT_FALSE(hub.unsubscribe("a"));
  EXPECT_EQ(persisted, (std::vector<size_t>{1, 1, 0}));
}

TEST_F(ClockHubTest, OverdueTimersOfTheEmulatorRunAtTheCurrentInstant) {
  record_at(emulator, "emu", -5s);  // armed outside a callback, already due
  hub.advance(1s);
  EXPECT_EQ(events, (std::vector<Event>{{"emu", 0s, 0s}}));
}

TEST(ApplyStep, ForwardRunsWhatIsDueBackwardsFiresNothing) {
  VirtualClock c{VirtualClock::Mode::kManual, kStart};
  int fired = 0;
  c.schedule_at(kStart + 10s, [&] { ++fired; });
  c.schedule_at(kStart + 20s, [&] { ++fired; });
  auto a = apply_step(c, kStart + 10s);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(a.now, kStart + 10s);
  EXPECT_EQ(a.next_due, kStart + 20s);
  a = apply_step(c, kStart);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(a.now, kStart);
  c.schedule_at(kStart - 1s, [&] { ++fired; });  // overdue: a step at the same instant runs it
  a = apply_step(c, kStart);
  EXPECT_EQ(fired, 2);
  EXPECT_EQ(a.next_due, kStart + 20s);
}

}  // namespace
}  // namespace kmslab::core
