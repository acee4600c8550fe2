#include "emulator/faults/injector.hpp"

#include <algorithm>

namespace kmslab::faults {

namespace {

constexpr const char* kPrefix = "/kmslab/faults/";

const char* action_name(const Action& a) {
  switch (a.index()) {
    case 0:
      return "error";
    case 1:
      return "latency";
    case 2:
      return "reset";
    case 3:
      return "slowBody";
    default:
      return "reply";
  }
}

/// A uniform draw in [0, 1) with 53 bits, as std::generate_canonical would give.
double draw(core::Rng& rng) {
  return static_cast<double>(rng.next_u64() >> 11) * 0x1.0p-53;
}

}  // namespace

FaultInjector::FaultInjector(store::Store& store, const core::Clock& clock, core::Rng& rng,
                             core::MetricsRegistry* metrics)
    : store_(store), clock_(clock), rng_(rng) {
  if (metrics) {
    fired_ = &metrics->counter("kmslab_faults_fired_total",
                               "Requests a fault rule acted on, by action.", {"action"});
  }
  load();
}

void FaultInjector::add_operations(const std::vector<std::string>& names,
                                   const std::string& service) {
  std::lock_guard l(mu_);
  for (const auto& n : names) operations_[service].insert(core::to_lower(n));
}

// A damaged record is skipped rather than refusing to start: faults are test scaffolding, and
// the admin API can list and clear what did load.
void FaultInjector::load() {
  std::lock_guard l(mu_);
  for (const auto& kv : store_.range(kPrefix).kvs) {
    if (auto rule = from_stored(kv.value)) rules_.push_back(std::move(*rule));
  }
  std::stable_sort(rules_.begin(), rules_.end(),
                   [](const Rule& a, const Rule& b) { return a.created < b.created; });
  retire_locked(clock_.now());
}

core::Result<nlohmann::ordered_json> FaultInjector::add(const nlohmann::json& j) {
  std::lock_guard l(mu_);
  auto parsed = parse_rule(j, operations_);
  if (auto* e = std::get_if<std::string>(&parsed)) return core::errors::bad_parameter(*e);
  Rule rule = std::get<Rule>(std::move(parsed));
  rule.id = rng_.uuid();
  rule.created = clock_.now();
  persist_locked(rule);
  rules_.push_back(rule);
  retire_locked(clock_.now());
  return to_json(rule);
}

bool FaultInjector::remove(const std::string& id) {
  std::lock_guard l(mu_);
  auto it = std::find_if(rules_.begin(), rules_.end(), [&](const Rule& r) { return r.id == id; });
  if (it == rules_.end()) return false;
  store_.del(kPrefix + id);
  rules_.erase(it);
  retire_locked(clock_.now());
  return true;
}

size_t FaultInjector::clear() {
  std::lock_guard l(mu_);
  store_.txn({{}, {store::Op::del_prefix(kPrefix)}, {}});
  const size_t n = rules_.size();
  rules_.clear();
  retire_locked(clock_.now());
  return n;
}

nlohmann::ordered_json FaultInjector::list() {
  std::lock_guard l(mu_);
  retire_locked(clock_.now());
  nlohmann::ordered_json value = nlohmann::ordered_json::array();
  for (const auto& r : rules_) value.push_back(to_json(r));
  return {{"value", std::move(value)}};
}

std::optional<Rule> FaultInjector::fire(const FaultTarget& target) {
  if (!any_) return std::nullopt;  // the common case: no rules, no lock
  std::lock_guard l(mu_);
  retire_locked(clock_.now());
  for (auto& r : rules_) {
    if (!r.match.matches(target)) continue;
    // Probability 1 draws nothing, so adding a certain rule leaves the seeded stream alone.
    if (r.probability < 1.0 && draw(rng_) >= r.probability) continue;
    if (r.count) --*r.count;
    ++r.fired;
    Rule fired = r;
    // A counted rule's remainder must survive a restart; an unlimited rule's tally need not,
    // and skipping the write keeps a rule that fires on every request off the store.
    if (r.count && !fired.expired(clock_.now())) persist_locked(r);
    retire_locked(clock_.now());  // a spent rule leaves the store here
    if (fired_) fired_->inc({action_name(fired.action)});
    return fired;
  }
  return std::nullopt;
}

bool FaultInjector::wants_caller_id() const {
  return caller_ids_;
}

bool FaultInjector::empty() const {
  return !any_;
}

void FaultInjector::retire_locked(core::TimePoint now) {
  auto dead = std::stable_partition(rules_.begin(), rules_.end(),
                                    [&](const Rule& r) { return !r.expired(now); });
  for (auto it = dead; it != rules_.end(); ++it) store_.del(kPrefix + it->id);
  rules_.erase(dead, rules_.end());
  any_ = !rules_.empty();
  caller_ids_ = std::any_of(rules_.begin(), rules_.end(),
                            [](const Rule& r) { return r.match.caller_object_id.has_value(); });
}

void FaultInjector::persist_locked(const Rule& rule) {
  store_.put(kPrefix + rule.id, to_stored(rule));
}

core::Handler FaultInjector::guard(
    core::Handler inner, std::function<FaultTarget(const core::RequestContext&)> describe) {
  return [this, inner = std::move(inner),
          describe = std::move(describe)](core::RequestContext& ctx) -> core::Result<core::Reply> {
    if (empty()) return inner(ctx);
    const auto rule = fire(describe(ctx));
    if (!rule) return inner(ctx);
    if (const auto* e = std::get_if<ErrorAction>(&rule->action)) return error_reply(*e);
    if (const auto* r = std::get_if<ReplyAction>(&rule->action))
      return core::Reply{r->status, r->body, r->content_type, {}};
    if (std::holds_alternative<ResetAction>(rule->action)) {
      core::Reply r = core::Reply::empty(500);  // never written: the connection is reset
      r.delivery.reset = true;
      return r;
    }
    auto result = inner(ctx);
    core::Reply reply = result.ok() ? std::move(result.value()) : core::to_reply(result.error());
    if (const auto* l = std::get_if<LatencyAction>(&rule->action)) {
      reply.delivery.delay = std::chrono::milliseconds(l->ms);
    } else if (const auto* s = std::get_if<SlowBodyAction>(&rule->action)) {
      reply.delivery.body_bytes_per_second = static_cast<size_t>(s->bytes_per_second);
    }
    return reply;
  };
}

}  // namespace kmslab::faults
