#include "emulator/core/clock.hpp"

#include <cstdio>
#include <stdexcept>

namespace kmslab::core {

TimePoint wall_clock_now() {
  return std::chrono::system_clock::now();
}

int64_t Clock::now_unix_seconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
}

VirtualClock::VirtualClock(Mode mode, TimePoint manual_start, std::function<TimePoint()> source)
    : mode_(mode), source_(std::move(source)), manual_now_(manual_start) {
  if (mode_ == Mode::kSystem) scheduler_ = std::thread([this] { scheduler_loop(); });
}

VirtualClock::~VirtualClock() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
}

TimePoint VirtualClock::now_locked() const {
  return mode_ == Mode::kManual ? manual_now_ : source_() + offset_;
}

void VirtualClock::set_now_locked(TimePoint t) {
  if (mode_ == Mode::kManual) {
    manual_now_ = t;
  } else {
    offset_ = t - source_();
  }
}

TimePoint VirtualClock::now() const {
  std::lock_guard l(mu_);
  return now_locked();
}

Duration VirtualClock::offset() const {
  std::lock_guard l(mu_);
  return now_locked() - source_();
}

void VirtualClock::advance(Duration by) {
  if (by < Duration::zero()) throw std::invalid_argument("cannot advance the clock backwards");
  std::lock_guard f(firing_);
  run_until(now() + by);
}

void VirtualClock::set(TimePoint to) {
  std::lock_guard f(firing_);
  if (to <= now()) {
    std::lock_guard l(mu_);
    set_now_locked(to);
    return;
  }
  run_until(to);
}

void VirtualClock::run_until(TimePoint target) {
  while (fire_one_due(target)) {
  }
  {
    std::lock_guard l(mu_);
    if (target > now_locked()) set_now_locked(target);
  }
  changed_.notify_all();
}

bool VirtualClock::fire_one_due(TimePoint limit) {
  Callback cb;
  {
    std::lock_guard l(mu_);
    if (timers_.empty() || timers_.begin()->first > limit) return false;
    auto it = timers_.begin();
    // Time stands at the deadline while the timer runs, so what it records is exact.
    if (it->first > now_locked()) set_now_locked(it->first);
    cb = std::move(it->second.second);
    timers_.erase(it);
    firing_thread_ = std::this_thread::get_id();
  }
  try {
    cb();
  } catch (const std::exception& e) {
    report_timer_error(e.what());
  }
  std::lock_guard l(mu_);
  firing_thread_ = {};
  return true;
}

void VirtualClock::report_timer_error(const std::string& what) {
  std::function<void(const std::string&)> handler;
  {
    std::lock_guard l(mu_);
    handler = on_timer_error_;
  }
  if (handler) handler(what);
}

void VirtualClock::set_timer_error_handler(std::function<void(const std::string&)> handler) {
  std::lock_guard l(mu_);
  on_timer_error_ = std::move(handler);
}

VirtualClock::TimerId VirtualClock::schedule_at(TimePoint at, Callback cb) {
  TimerId id;
  {
    std::unique_lock l(mu_);
    const TimePoint now = now_locked();
    if (firing_thread_ == std::this_thread::get_id() && at <= now) {
      l.unlock();
      report_timer_error("a timer callback armed a timer for " + format_rfc3339(at) +
                         ", not after the time it ran at (" + format_rfc3339(now) +
                         "): dropped, so that it cannot fire again in a loop");
      return 0;
    }
    id = next_id_++;
    timers_.emplace(at, std::make_pair(id, std::move(cb)));
  }
  changed_.notify_all();
  return id;
}

bool VirtualClock::cancel(TimerId id) {
  std::lock_guard l(mu_);
  for (auto it = timers_.begin(); it != timers_.end(); ++it) {
    if (it->second.first == id) {
      timers_.erase(it);
      return true;
    }
  }
  return false;
}

size_t VirtualClock::pending_timers() const {
  std::lock_guard l(mu_);
  return timers_.size();
}

std::optional<TimePoint> VirtualClock::next_due() const {
  std::lock_guard l(mu_);
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first;
}

void VirtualClock::scheduler_loop() {
  std::unique_lock l(mu_);
  while (!stopping_) {
    if (timers_.empty()) {
      changed_.wait(l);
      continue;
    }
    const TimePoint due = timers_.begin()->first;
    const TimePoint current = now_locked();
    if (due > current) {
      changed_.wait_for(l, due - current);
      continue;
    }
    l.unlock();
    {
      std::lock_guard f(firing_);
      fire_one_due(now());
    }
    l.lock();
  }
}

std::optional<Duration> parse_duration(std::string_view text) {
  using namespace std::chrono;
  if (text.empty()) return std::nullopt;
  Duration total{0};
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (n > 1'000'000'000) return std::nullopt;
      n = n * 10 + (text[i++] - '0');
    }
    std::string_view rest = text.substr(i);
    // Components are summed in milliseconds and bounded, so that no text overflows Duration
    // (nanoseconds: 292 years) however many parts it has.
    milliseconds part{0};
    if (rest.starts_with("ms")) {
      part = milliseconds(n);
      i += 2;
    } else if (rest.starts_with("d")) {
      part = hours(24 * n);
      ++i;
    } else if (rest.starts_with("h")) {
      part = hours(n);
      ++i;
    } else if (rest.starts_with("m")) {
      part = minutes(n);
      ++i;
    } else if (rest.starts_with("s")) {
      part = seconds(n);
      ++i;
    } else {
      return std::nullopt;
    }
    constexpr milliseconds kMax = hours(24 * 100'000);
    if (part > kMax || duration_cast<milliseconds>(total) > kMax - part) return std::nullopt;
    total += part;
  }
  return total;
}

namespace {

bool read_int(std::string_view s, size_t pos, size_t len, int& out) {
  if (pos + len > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<TimePoint> parse_rfc3339(std::string_view s) {
  using namespace std::chrono;
  int y, mo, d, h, mi, sec;
  if (!read_int(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !read_int(s, 5, 2, mo) ||
      s[7] != '-' || !read_int(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') ||
      !read_int(s, 11, 2, h) || s[13] != ':' || !read_int(s, 14, 2, mi) || s[16] != ':' ||
      !read_int(s, 17, 2, sec)) {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t i = 19;
  nanoseconds frac{0};
  if (i < s.size() && s[i] == '.') {
    int64_t scale = 100'000'000;
    ++i;
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac += nanoseconds((s[i] - '0') * scale);
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  seconds offset{0};
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) {
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh, om;
    if (!read_int(s, i + 1, 2, oh) || !read_int(s, i + 4, 2, om)) return std::nullopt;
    offset = hours(oh) + minutes(om);
    if (s[i] == '-') offset = -offset;
  } else {
    return std::nullopt;
  }
  const auto t = sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) - offset;
  // Outside what a TimePoint holds (nanoseconds: about 1678 to 2262) no clock here can stand.
  constexpr auto kLatest = duration_cast<seconds>(Duration::max()) - seconds(1);
  constexpr auto kEarliest = duration_cast<seconds>(Duration::min()) + seconds(1);
  if (t.time_since_epoch() > kLatest || t.time_since_epoch() < kEarliest) return std::nullopt;
  return time_point_cast<Duration>(t + frac);
}

namespace {

struct Civil {
  std::chrono::year_month_day ymd;
  std::chrono::hh_mm_ss<std::chrono::seconds> hms;
  unsigned weekday;
};

Civil to_civil(TimePoint t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto days = floor<std::chrono::days>(secs);
  return {year_month_day(days), hh_mm_ss<seconds>(secs - days), weekday(days).c_encoding()};
}

}  // namespace

std::string format_rfc3339(TimePoint t) {
  const Civil c = to_civil(t);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(c.ymd.year()),
                static_cast<unsigned>(c.ymd.month()), static_cast<unsigned>(c.ymd.day()),
                static_cast<int>(c.hms.hours().count()), static_cast<int>(c.hms.minutes().count()),
                static_cast<int>(c.hms.seconds().count()));
  return buf;
}

std::string format_http_date(TimePoint t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const Civil c = to_civil(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT", kDays[c.weekday],
                static_cast<unsigned>(c.ymd.day()),
                kMonths[static_cast<unsigned>(c.ymd.month()) - 1], static_cast<int>(c.ymd.year()),
                static_cast<int>(c.hms.hours().count()), static_cast<int>(c.hms.minutes().count()),
                static_cast<int>(c.hms.seconds().count()));
  return buf;
}

}  // namespace kmslab::core
