#pragma once
// The emulator's side of time across processes (clock_protocol.md): the registry of subscriber
// processes and the stepping of an advance or set through every due instant, the emulator's own
// timers and every subscriber's, in time order.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/core/clock.hpp"
#include "emulator/core/clock_protocol.hpp"
#include "emulator/core/log.hpp"

namespace kmslab::core {

/// How one step call ended. `gone`: the process at step_url is not this subscriber any more
/// (refused, or 401/404: it died or restarted under a new secret), so it is dropped; any other
/// failure (a timeout, a 5xx, a malformed answer) skips it for the rest of the move.
struct StepOutcome {
  std::optional<clock_protocol::StepAnswer> answer;
  std::string error;
  bool gone = false;
};

/// Carries step calls to subscribers: HTTPS in the emulator (clock_link.hpp), in-process fakes
/// in tests.
class StepTransport {
 public:
  virtual ~StepTransport() = default;
  /// "" when this subscriber can be called, else why not (a malformed URL or CA).
  virtual std::string accept(const clock_protocol::Registration& r) = 0;
  virtual StepOutcome step(const clock_protocol::Registration& r, TimePoint now,
                           std::chrono::milliseconds timeout) = 0;
  /// The subscriber left: release what accept() made for it.
  virtual void forget(const std::string& name) = 0;
};

struct ClockHubOptions {
  /// A step call that takes longer fails (the subscriber is skipped). A step runs the
  /// subscriber's due timers, whose plugin and Key Vault calls wait in real time.
  std::chrono::milliseconds step_timeout{30'000};
  /// The spin guard: instants one move may visit before the rest of the interval runs at once.
  size_t max_instants = 100'000;
  /// A subscriber skipped in this many moves in a row is dropped.
  int max_failed_moves = 3;
};

struct SubscriberOutcome {
  std::string name;
  size_t steps = 0;
  std::string outcome = "ok";  // ok | skipped | dropped
  std::string error;
};

struct MoveReport {
  size_t instants = 0;  // distinct due instants visited between the start and the target
  std::vector<SubscriberOutcome> subscribers;
  std::vector<std::string> warnings;
  nlohmann::json to_json() const;
};

struct SubscriberView {
  std::string name, step_url;
  std::optional<TimePoint> next_due;
  int failed_moves = 0;
};

class ClockHub {
 public:
  ClockHub(VirtualClock& clock, StepTransport& transport, ClockHubOptions options = {},
           Logger* logger = nullptr);

  /// Adds a subscriber or replaces the one of the same name. "" on success, else why not;
  /// `replaced` says whether one was replaced.
  std::string subscribe(clock_protocol::Registration r, bool* replaced = nullptr);
  bool unsubscribe(const std::string& name);
  std::vector<SubscriberView> subscribers() const;

  /// Move the clock as VirtualClock::advance / set do, stepping every subscriber: each due
  /// instant in order, the emulator's timers first, then each subscriber due then; a final step
  /// at the target for every subscriber. A set backwards fires nothing anywhere. One move at a
  /// time.
  MoveReport advance(Duration by);
  MoveReport set(TimePoint to);

  /// Called with every registration (secrets included) after the list changed, so that it
  /// survives a restart of the emulator; restore() puts such a list back.
  void on_change(std::function<void(const std::vector<clock_protocol::Registration>&)> persist);
  void restore(const std::vector<clock_protocol::Registration>& list);

 private:
  struct Entry {
    clock_protocol::Registration reg;
    std::optional<TimePoint> next_due;
    int failed_moves = 0;
  };
  struct Move;  // one advance's bookkeeping (clock_hub.cpp)

  MoveReport move_to(TimePoint target);
  std::vector<std::shared_ptr<Entry>> snapshot() const;
  void step(Move& m, const std::shared_ptr<Entry>& e, TimePoint t, bool final_step);
  void finish(Move& m);
  bool drop(const std::shared_ptr<Entry>& e);
  void persist();
  void warn(Move& m, std::string text);

  VirtualClock& clock_;
  StepTransport& transport_;
  const ClockHubOptions options_;
  Logger* logger_;
  std::mutex move_mu_;  // one move at a time
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Entry>> entries_;  // in registration order
  std::function<void(const std::vector<clock_protocol::Registration>&)> persist_;
};

}  // namespace kmslab::core
