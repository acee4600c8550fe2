#include "emulator/core/clock_hub.hpp"

#include <algorithm>
#include <stdexcept>

namespace kmslab::core {

using clock_protocol::Registration;

struct ClockHub::Move {
  struct State {
    size_t steps = 0;
    bool skipped = false, dropped = false, spun = false;
    std::optional<TimePoint> last;  // the instant of its last answered step
    std::string error;
  };
  std::vector<std::pair<std::shared_ptr<Entry>, State>> states;  // in order of first step
  MoveReport report;

  State& of(const std::shared_ptr<Entry>& e) {
    for (auto& [entry, state] : states) {
      if (entry == e) return state;
    }
    return states.emplace_back(e, State{}).second;
  }
  bool active(const std::shared_ptr<Entry>& e) {
    const State& s = of(e);
    return !s.skipped && !s.dropped && !s.spun;
  }
};

nlohmann::json MoveReport::to_json() const {
  nlohmann::json subs = nlohmann::json::array();
  for (const auto& s : subscribers) {
    nlohmann::json j = {{"name", s.name}, {"steps", s.steps}, {"outcome", s.outcome}};
    if (!s.error.empty()) j["error"] = s.error;
    subs.push_back(std::move(j));
  }
  return {{"instants", instants}, {"subscribers", std::move(subs)}, {"warnings", warnings}};
}

ClockHub::ClockHub(VirtualClock& clock, StepTransport& transport, ClockHubOptions options,
                   Logger* logger)
    : clock_(clock), transport_(transport), options_(options), logger_(logger) {}

std::string ClockHub::subscribe(Registration r, bool* replaced) {
  if (std::string why = transport_.accept(r); !why.empty()) return why;
  auto entry = std::make_shared<Entry>(Entry{r, r.next_due, 0});
  bool found = false;
  {
    std::lock_guard l(mu_);
    for (auto& e : entries_) {
      if (e->reg.name == r.name) {
        e = entry;
        found = true;
      }
    }
    if (!found) entries_.push_back(entry);
  }
  if (replaced) *replaced = found;
  if (logger_)
    logger_->info("clock", found ? "subscriber re-registered" : "subscriber registered",
                  {{"name", r.name}, {"step_url", r.step_url}});
  persist();
  return {};
}

bool ClockHub::unsubscribe(const std::string& name) {
  std::shared_ptr<Entry> gone;
  {
    std::lock_guard l(mu_);
    for (const auto& e : entries_) {
      if (e->reg.name == name) gone = e;
    }
  }
  return gone && drop(gone);
}

std::vector<SubscriberView> ClockHub::subscribers() const {
  std::vector<SubscriberView> out;
  std::lock_guard l(mu_);
  for (const auto& e : entries_)
    out.push_back({e->reg.name, e->reg.step_url, e->next_due, e->failed_moves});
  return out;
}

void ClockHub::on_change(std::function<void(const std::vector<Registration>&)> persist) {
  std::lock_guard l(mu_);
  persist_ = std::move(persist);
}

void ClockHub::restore(const std::vector<Registration>& list) {
  for (const auto& r : list) {
    if (std::string why = transport_.accept(r); !why.empty()) {
      if (logger_)
        logger_->error("clock", "stored subscriber not restored", {{"name", r.name}, {"why", why}});
      continue;
    }
    std::lock_guard l(mu_);
    entries_.push_back(std::make_shared<Entry>(Entry{r, r.next_due, 0}));
  }
}

void ClockHub::persist() {
  std::function<void(const std::vector<Registration>&)> persist;
  std::vector<Registration> list;
  {
    std::lock_guard l(mu_);
    persist = persist_;
    for (const auto& e : entries_) list.push_back(e->reg);
  }
  if (persist) persist(list);
}

// Only the entry itself: a re-registration under the same name has replaced it already.
bool ClockHub::drop(const std::shared_ptr<Entry>& e) {
  {
    std::lock_guard l(mu_);
    auto it = std::find(entries_.begin(), entries_.end(), e);
    if (it == entries_.end()) return false;
    entries_.erase(it);
  }
  transport_.forget(e->reg.name);
  persist();
  return true;
}

std::vector<std::shared_ptr<ClockHub::Entry>> ClockHub::snapshot() const {
  std::lock_guard l(mu_);
  return entries_;
}

void ClockHub::warn(Move& m, std::string text) {
  if (logger_) logger_->log(LogLevel::kWarn, "clock", text);
  m.report.warnings.push_back(std::move(text));
}

MoveReport ClockHub::advance(Duration by) {
  if (by < Duration::zero()) throw std::invalid_argument("cannot advance the clock backwards");
  std::lock_guard g(move_mu_);
  return move_to(clock_.now() + by);
}

MoveReport ClockHub::set(TimePoint to) {
  std::lock_guard g(move_mu_);
  return move_to(to);
}

MoveReport ClockHub::move_to(TimePoint target) {
  Move m;
  const TimePoint start = clock_.now();
  if (target < start) {  // backwards: everyone stands at the target, nothing fires
    clock_.set(target);
    for (const auto& e : snapshot()) step(m, e, target, true);
    finish(m);
    return m.report;
  }
  // A first step at the current time: every subscriber's next due instant, fresh (timers
  // armed outside a step, or fired by real time in system mode, changed it since).
  for (const auto& e : snapshot()) step(m, e, start, false);
  for (;;) {
    std::optional<TimePoint> due = clock_.next_due();
    const auto entries = snapshot();
    for (const auto& e : entries) {
      std::lock_guard l(mu_);
      if (m.active(e) && e->next_due && (!due || *e->next_due < *due)) due = e->next_due;
    }
    if (!due) break;
    // Never behind the clock: an overdue timer runs at the current instant.
    const TimePoint t = std::max(*due, clock_.now());
    if (t > target) break;
    if (m.report.instants >= options_.max_instants) {
      warn(m, "spin guard: " + std::to_string(m.report.instants) +
                  " due instants stepped in one move; the rest of the interval up to " +
                  format_rfc3339(target) + " runs at once (--clock-max-steps)");
      break;
    }
    ++m.report.instants;
    if (t > clock_.now()) {
      clock_.set(t);  // the emulator's own timers due by t fire first, each at its deadline
    } else {
      clock_.advance(Duration::zero());
    }
    for (const auto& e : entries) {
      bool due_now;
      {
        std::lock_guard l(mu_);
        due_now = m.active(e) && e->next_due && *e->next_due <= t;
      }
      if (due_now) step(m, e, t, false);
    }
  }
  if (target > clock_.now()) {
    clock_.set(target);
  } else {
    clock_.advance(Duration::zero());
  }
  const TimePoint end = clock_.now();
  for (const auto& e : snapshot()) {
    const auto& s = m.of(e);
    if (!s.skipped && !s.dropped && s.last != end) step(m, e, end, true);
  }
  finish(m);
  return m.report;
}

void ClockHub::step(Move& m, const std::shared_ptr<Entry>& e, TimePoint t, bool final_step) {
  StepOutcome o = transport_.step(e->reg, t, options_.step_timeout);
  Move::State& s = m.of(e);
  ++s.steps;
  if (o.answer) {
    s.last = t;
    const auto next = o.answer->next_due;
    {
      std::lock_guard l(mu_);
      e->next_due = next;
    }
    if (!final_step && next && *next <= t) {
      s.spun = true;
      warn(m, "spin guard: " + e->reg.name + " answered a step at " + format_rfc3339(t) +
                  " with a next due instant not after it (" + format_rfc3339(*next) +
                  "); it is stepped again only at the target");
    }
    return;
  }
  s.error = o.error.empty() ? "no answer" : o.error;
  if (o.gone) {
    drop(e);
    s.dropped = true;
  } else {
    s.skipped = true;
  }
  if (logger_)
    logger_->error("clock", o.gone ? "subscriber dropped" : "subscriber skipped for this move",
                   {{"name", e->reg.name}, {"at", format_rfc3339(t)}, {"error", s.error}});
}

void ClockHub::finish(Move& m) {
  for (auto& [e, s] : m.states) {
    SubscriberOutcome out{e->reg.name, s.steps, "ok", s.error};
    if (s.dropped) {
      out.outcome = "dropped";
    } else if (s.skipped) {
      int failed;
      {
        std::lock_guard l(mu_);
        failed = ++e->failed_moves;
      }
      out.outcome = "skipped";
      if (failed >= options_.max_failed_moves && drop(e)) {
        out.outcome = "dropped";
        out.error += " (skipped in " + std::to_string(failed) + " moves in a row)";
        if (logger_) logger_->error("clock", "subscriber dropped", {{"name", e->reg.name}});
      }
    } else {
      std::lock_guard l(mu_);
      e->failed_moves = 0;
    }
    m.report.subscribers.push_back(std::move(out));
  }
}

}  // namespace kmslab::core
