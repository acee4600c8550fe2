#pragma once
// The one source of time for every kmslab component.
//
// Azure behaviour that depends on time (key expiry, purge dates, rotation policies, token
// lifetimes, KMS caches) reads this clock, so a scenario can "wait 400 days" by advancing it.
// Two modes: system time plus an offset (the default: time flows, and can be moved), or a manual
// clock that only moves when told to (deterministic tests).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace kmslab::core {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

/// Real wall-clock time. The only call to the system clock in kmslab: everything else asks a
/// Clock. TLS certificate validity uses it too, because clients judge certificates by their own
/// real clock, not by the emulator's virtual one.
TimePoint wall_clock_now();

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  int64_t now_unix_seconds() const;
};

/// Real time as a Clock, for what must not follow the virtual one (a follower's calls to the
/// clock it follows, made before its own clock exists).
class WallClock final : public Clock {
 public:
  TimePoint now() const override { return wall_clock_now(); }
};

/// The virtual clock, with timers that fire when time reaches them.
///
/// advance()/set() fire due timers synchronously, one at a time in deadline order, with now()
/// equal to each timer's deadline while it runs, so "advance 400d" replays a year of rotations
/// in order before it returns. In system mode a background thread also fires timers as real time
/// reaches them.
class VirtualClock final : public Clock {
 public:
  enum class Mode { kSystem, kManual };
  using TimerId = uint64_t;
  using Callback = std::function<void()>;

  /// `source` gives real time (defaults to wall_clock_now); tests inject their own.
  explicit VirtualClock(Mode mode, TimePoint manual_start = {},
                        std::function<TimePoint()> source = wall_clock_now);
  ~VirtualClock() override;
  VirtualClock(const VirtualClock&) = delete;
  VirtualClock& operator=(const VirtualClock&) = delete;

  TimePoint now() const override;
  Mode mode() const { return mode_; }
  /// Offset from real time (system mode); in manual mode, how far from real time it stands.
  Duration offset() const;

  /// Moves time forward (negative durations are refused with std::invalid_argument).
  void advance(Duration by);
  /// Sets the time. Moving backwards is allowed (a scenario may rewind) but fires nothing.
  void set(TimePoint to);

  /// Arms a timer. A timer armed by a running timer's callback for a time at or before now()
  /// (the time it was scheduled from) would fire again at once, and again, forever: it is
  /// reported to the timer error handler and dropped, and 0 (no timer) is returned. Timers armed
  /// from outside a callback may be overdue (work resumed after a restart): they fire at once.
  TimerId schedule_at(TimePoint at, Callback cb);
  /// Returns false if the timer already fired or was cancelled.
  bool cancel(TimerId id);
  size_t pending_timers() const;
  /// The deadline of the earliest pending timer, if any (what a process following another's
  /// clock reports as its next due instant, clock_protocol.md).
  std::optional<TimePoint> next_due() const;
  /// Where an exception thrown by a timer callback is reported (it never escapes the clock).
  void set_timer_error_handler(std::function<void(const std::string&)> handler);

 private:
  void set_now_locked(TimePoint t);
  TimePoint now_locked() const;
  bool fire_one_due(TimePoint limit);
  void run_until(TimePoint target);
  void scheduler_loop();
  void report_timer_error(const std::string& what);

  const Mode mode_;
  const std::function<TimePoint()> source_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  TimePoint manual_now_;
  Duration offset_{0};
  std::multimap<TimePoint, std::pair<TimerId, Callback>> timers_;
  TimerId next_id_ = 1;
  std::mutex firing_;  // serialises timer callbacks between advance() and the scheduler thread
  std::function<void(const std::string&)> on_timer_error_;
  // The thread running a timer callback right now (default-constructed when none is): what it
  // schedules is checked against the spin rule above.
  std::thread::id firing_thread_;
  bool stopping_ = false;
  std::thread scheduler_;
};

/// Parses durations as the admin API and flags write them: "400d", "36h", "90m", "15s", "250ms",
/// or combinations ("1d12h"). Returns nullopt on malformed input.
std::optional<Duration> parse_duration(std::string_view text);
/// RFC 3339 UTC: "2027-01-01T00:00:00Z" (fractional seconds and numeric offsets accepted).
std::optional<TimePoint> parse_rfc3339(std::string_view text);
/// RFC 3339 UTC with seconds precision, e.g. "2027-01-01T00:00:00Z".
std::string format_rfc3339(TimePoint t);
/// The HTTP Date header format (RFC 7231 IMF-fixdate), e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(TimePoint t);

}  // namespace kmslab::core
