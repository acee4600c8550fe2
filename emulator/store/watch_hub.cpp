#include "emulator/store/watch_hub.hpp"

#include <algorithm>

#include "emulator/store/store_state.hpp"

namespace kmslab::store {

struct WatchHub::Watcher {
  std::string prefix;
  int64_t live_after = 0;
  WatchCallback callback;
  // Recursive so that a callback may destroy its own handle; held while the callback runs so a
  // handle destroyed on another thread waits for the running callback to return.
  std::recursive_mutex callback_mu;
  bool cancelled = false;  // guarded by callback_mu
};

namespace {

// Hubs this thread is delivering for: a write made from inside a callback must not wait for the
// delivery mutex its own thread holds.
thread_local std::vector<const WatchHub*> t_delivering;

class HubWatchHandle : public WatchHandle {
 public:
  HubWatchHandle(std::weak_ptr<WatchHub> hub, std::shared_ptr<WatchHub::Watcher> watcher)
      : hub_(std::move(hub)), watcher_(std::move(watcher)) {}
  ~HubWatchHandle() override;

 private:
  std::weak_ptr<WatchHub> hub_;
  std::shared_ptr<WatchHub::Watcher> watcher_;
};

// Groups replay events into one batch per revision, as live delivery does.
std::vector<std::vector<Event>> by_revision(const std::vector<Event>& events) {
  std::vector<std::vector<Event>> batches;
  for (const Event& e : events) {
    if (batches.empty() || batches.back().front().kv.mod_revision != e.kv.mod_revision) {
      batches.emplace_back();
    }
    batches.back().push_back(e);
  }
  return batches;
}

}  // namespace

HubWatchHandle::~HubWatchHandle() {
  {
    std::lock_guard lock(watcher_->callback_mu);
    watcher_->cancelled = true;
  }
  if (auto hub = hub_.lock()) hub->remove(watcher_.get());
}

std::unique_ptr<WatchHandle> WatchHub::add(std::string prefix, int64_t live_after,
                                           const std::vector<Event>& replay,
                                           WatchCallback callback) {
  auto watcher = std::make_shared<Watcher>();
  watcher->prefix = std::move(prefix);
  watcher->live_after = live_after;
  watcher->callback = std::move(callback);
  std::lock_guard lock(mu_);
  // Queued now, behind everything already published and ahead of any later commit.
  for (auto& batch : by_revision(replay)) {
    int64_t revision = batch.front().kv.mod_revision;
    queue_.push_back(
        {watcher, revision, std::make_shared<const std::vector<Event>>(std::move(batch))});
  }
  watchers_.push_back(watcher);
  return std::make_unique<HubWatchHandle>(weak_from_this(), std::move(watcher));
}

void WatchHub::publish(int64_t revision, std::vector<Event> events) {
  std::lock_guard lock(mu_);
  if (watchers_.empty()) return;  // later watchers only see revisions after their registration
  queue_.push_back(
      {nullptr, revision, std::make_shared<const std::vector<Event>>(std::move(events))});
}

void WatchHub::remove(const Watcher* watcher) {
  std::lock_guard lock(mu_);
  std::erase_if(watchers_, [&](const auto& w) { return w.get() == watcher; });
}

bool WatchHub::pop(Item& item, std::vector<std::shared_ptr<Watcher>>& watchers) {
  std::lock_guard lock(mu_);
  if (queue_.empty()) return false;
  item = std::move(queue_.front());
  queue_.pop_front();
  if (item.target) {
    watchers.assign(1, item.target);
  } else {
    watchers = watchers_;
  }
  return true;
}

void WatchHub::deliver() {
  if (std::ranges::find(t_delivering, this) != t_delivering.end()) return;
  std::lock_guard lock(delivery_mu_);
  struct Marker {
    explicit Marker(const WatchHub* hub) { t_delivering.push_back(hub); }
    ~Marker() { t_delivering.pop_back(); }
  } marker(this);
  Item item;
  std::vector<std::shared_ptr<Watcher>> watchers;
  while (pop(item, watchers)) {
    for (const auto& watcher : watchers) deliver_item(item, *watcher);
  }
}

void WatchHub::deliver_item(const Item& item, Watcher& watcher) {
  // A broadcast published before this watcher registered is covered by its replay.
  if (!item.target && item.revision <= watcher.live_after) return;
  std::vector<Event> matching;
  const std::vector<Event>* events = item.events.get();
  if (!item.target && !watcher.prefix.empty()) {
    for (const Event& e : *events) {
      if (has_prefix(e.kv.key, watcher.prefix)) matching.push_back(e);
    }
    if (matching.empty()) return;
    events = &matching;
  }
  std::lock_guard lock(watcher.callback_mu);
  if (watcher.cancelled) return;
  try {
    watcher.callback(*events);
  } catch (...) {
    // The transaction is already committed and other watchers still wait for it, so the failure
    // cannot propagate; the watch ends instead of silently skipping events.
    watcher.cancelled = true;
  }
}

}  // namespace kmslab::store
