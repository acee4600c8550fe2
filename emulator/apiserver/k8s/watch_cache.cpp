#include "emulator/apiserver/k8s/watch_cache.hpp"

#include <algorithm>

#include "emulator/apiserver/storage/keys.hpp"

namespace kmslab::apiserver::k8s {

using nlohmann::json;

namespace {

constexpr size_t kListPage = 500;
// cacher.go: bookmarks go out roughly every minute, and 2 s before the watch times out.
constexpr auto kBookmarkFrequency = std::chrono::minutes(1);
constexpr auto kPreTimeout = std::chrono::seconds(2);
// cacher.go waitUntilFreshAndBlock: how long a watch from a revision the cache has not seen
// yet waits for it.
constexpr auto kFreshnessWait = std::chrono::seconds(3);

void set_revision(json& object, int64_t revision) {
  object["metadata"]["resourceVersion"] = std::to_string(revision);
}

bool passes(const WatchRequest& r, const std::optional<json>& object) {
  return object && (!r.matches || r.matches(*object));
}

// storage.NewTooLargeResourceVersionError, answered once the wait for freshness ran out.
Status too_large_resource_version(int64_t wanted, int64_t current) {
  using nlohmann::ordered_json;
  ordered_json cause = {{"reason", "ResourceVersionTooLarge"},
                        {"message", "Too large resource version"}};
  return {504, "Timeout",
          "Too large resource version: " + std::to_string(wanted) +
              ", current: " + std::to_string(current),
          ordered_json{{"causes", ordered_json::array({cause})}, {"retryAfterSeconds", 1}}};
}

}  // namespace

class WatchCache::Watcher {
 public:
  WatchRequest request;
  std::string key_prefix;  // the collection this watch covers
  Deliver deliver;
  Finish finish;
  core::TimePoint bookmark_at;
  bool ended = false;
};

json bookmark_object(const Kind& kind, int64_t revision, bool initial_events_end) {
  // A typed object with nothing but its resourceVersion (Go encodes the zero
  // creationTimestamp as null).
  json meta = {{"resourceVersion", std::to_string(revision)}, {"creationTimestamp", nullptr}};
  if (initial_events_end) meta["annotations"] = {{"k8s.io/initial-events-end", "true"}};
  return {{"kind", kind.kind}, {"apiVersion", "v1"}, {"metadata", meta}};
}

WatchCache::WatchCache(store::Store& store, storage::ObjectStorage& storage,
                       core::VirtualClock& clock, size_t capacity,
                       std::map<std::string, size_t> sizes)
    : store_(store),
      storage_(storage),
      clock_(clock),
      capacity_(std::max<size_t>(1, capacity)),
      sizes_(std::move(sizes)) {}

size_t WatchCache::capacity_of(const std::string& resource) const {
  auto it = sizes_.find(resource);
  return it == sizes_.end() ? capacity_ : std::max<size_t>(1, it->second);
}

WatchCache::~WatchCache() {
  handle_.reset();  // no more store callbacks
}

const Kind* WatchCache::kind_of_key(const std::string& key) const {
  for (const auto& kind : served_kinds()) {
    if (kind.read_only) continue;
    if (key.starts_with(storage::collection_prefix(storage_.prefix(), kind.resource, "")))
      return &kind;
  }
  return nullptr;
}

std::map<std::string, WatchCache::Filled> WatchCache::start() {
  const std::string prefix = storage_.prefix() == "/" ? "/" : storage_.prefix() + "/";
  std::map<std::string, Filled> counts;
  int64_t listed_at = 0;
  std::string after;
  // Bounded by the store: every page moves `after` forward or ends the loop.
  for (;;) {
    auto page = store_.range(prefix, kListPage, after);
    if (listed_at == 0) listed_at = page.revision;
    for (auto& kv : page.kvs) {
      after = kv.key;
      const Kind* kind = kind_of_key(kv.key);
      if (!kind) continue;
      std::optional<Status> error;
      Filled& filled = counts[kind->resource];
      ++(decode(*kind, kv, error) ? filled.objects : filled.undecodable);
      values_[kv.key] = std::move(kv);
    }
    if (!page.more) break;
  }
  {
    std::lock_guard lock(mu_);
    revision_ = list_revision_ = listed_at;
  }
  std::weak_ptr<WatchCache> weak = weak_from_this();
  handle_ = store_.watch(prefix, listed_at + 1, [weak](const std::vector<store::Event>& events) {
    if (auto self = weak.lock()) self->on_events(events);
  });
  return counts;
}

std::optional<json> WatchCache::decode(const Kind& kind, const store::KeyValue& kv,
                                       std::optional<Status>& error) {
  auto decoded = storage_.decode_value(kind.resource, kv);
  if (auto* e = std::get_if<storage::StorageError>(&decoded)) {
    error = internal_error(e->message);
    return std::nullopt;
  }
  return std::move(std::get<storage::StoredObject>(decoded).object);
}

WatchCache::CacheEvent WatchCache::make_event(const Kind& kind, const store::Event& e) {
  CacheEvent out;
  out.kind = &kind;
  out.key = e.kv.key;
  out.revision = e.kv.mod_revision;
  out.deleted = e.type == store::Event::Type::kDelete;
  auto previous = values_.find(e.kv.key);
  if (previous != values_.end()) out.before = previous->second;
  if (out.deleted) {
    if (previous != values_.end()) values_.erase(previous);
  } else {
    out.value = e.kv;
    values_[e.kv.key] = e.kv;
  }
  return out;
}

void WatchCache::materialise(CacheEvent& e) {
  if (e.decoded) return;
  e.decoded = true;
  if (e.before) e.prev = decode(*e.kind, *e.before, e.error);
  if (!e.deleted) {
    e.object = decode(*e.kind, e.value, e.error);
  } else if (e.prev) {
    e.object = e.prev;
    set_revision(*e.object, e.revision);
  }
}

void WatchCache::on_events(const std::vector<store::Event>& events) {
  std::vector<std::shared_ptr<Watcher>> ended;
  {
    std::lock_guard lock(mu_);
    for (const auto& e : events) {
      revision_ = std::max(revision_, e.kv.mod_revision);
      const Kind* kind = kind_of_key(e.kv.key);
      if (!kind) continue;
      CacheEvent event = make_event(*kind, e);
      for (const auto& w : watchers_) {
        if (w->request.kind == kind && !w->ended && !send(*w, event)) ended.push_back(w);
      }
      Ring& ring = rings_[kind->resource];
      ring.events.push_back(std::move(event));
      if (ring.events.size() > capacity_of(kind->resource)) {
        ring.events.pop_front();
        ring.evicted = true;
      }
    }
  }
  advanced_.notify_all();
  for (const auto& w : ended) end(w, true);
}

bool WatchCache::send(Watcher& w, CacheEvent& e) {
  if (!e.key.starts_with(w.key_prefix)) return true;
  materialise(e);
  if (e.error) {
    w.deliver({"ERROR", status_body(*e.error)});
    return false;  // etcd3 watcher.go: an event that does not transform ends the watch
  }
  const bool now = !e.deleted && passes(w.request, e.object);
  const bool before = passes(w.request, e.prev);
  if (now && before) return w.deliver({"MODIFIED", *e.object});
  if (now) return w.deliver({"ADDED", *e.object});
  if (!before) return true;
  json gone = *e.prev;  // the last state that matched, at the event's revision
  set_revision(gone, e.revision);
  return w.deliver({"DELETED", gone});
}

bool WatchCache::initial_state(Watcher& w) {
  const Kind& kind = *w.request.kind;
  for (auto it = values_.lower_bound(w.key_prefix);
       it != values_.end() && it->first.starts_with(w.key_prefix); ++it) {
    std::optional<Status> error;
    auto object = decode(kind, it->second, error);
    if (error) {
      w.deliver({"ERROR", status_body(*error)});
      return false;
    }
    if (passes(w.request, object) && !w.deliver({"ADDED", *object})) return false;
  }
  if (w.request.send_initial_events) {
    return w.deliver({"BOOKMARK", bookmark_object(kind, revision_, true)});
  }
  return true;
}

std::shared_ptr<WatchCache::Watcher> WatchCache::subscribe(const WatchRequest& request,
                                                           Deliver deliver, Finish finish) {
  auto w = std::make_shared<Watcher>();
  w->request = request;
  w->key_prefix = storage::collection_prefix(storage_.prefix(), request.kind->resource, request.ns);
  w->deliver = std::move(deliver);
  w->finish = std::move(finish);
  std::unique_lock lock(mu_);
  const int64_t rv = request.resource_version;
  bool ok = true;
  if (rv > revision_) {
    advanced_.wait_for(lock, kFreshnessWait, [&] { return revision_ >= rv; });
  }
  Ring& ring = rings_[request.kind->resource];
  const int64_t oldest = ring.evicted ? ring.events.front().revision : list_revision_ + 1;
  if (rv > revision_) {
    // storage.NewTooLargeResourceVersionError
    w->deliver({"ERROR", status_body(too_large_resource_version(rv, revision_))});
    ok = false;
  } else if (rv == 0) {
    ok = request.skip_initial_state || initial_state(*w);
  } else if (rv != 0 && rv < oldest - 1) {
    w->deliver({"ERROR", status_body(Status{410, "Expired",
                                            "too old resource version: " + std::to_string(rv) +
                                                " (" + std::to_string(oldest - 1) + ")",
                                            nullptr})});
    ok = false;
  } else {
    for (auto& e : ring.events) {
      if (e.revision > rv && !(ok = send(*w, e))) break;
    }
  }
  if (!ok) {
    lock.unlock();
    w->ended = true;
    if (w->finish) w->finish();
    return w;
  }
  const core::TimePoint now = clock_.now();
  w->bookmark_at = next_bookmark(*w, now);
  watchers_.push_back(w);
  const core::TimePoint due = std::min(w->bookmark_at, w->request.deadline);
  const bool arm = !armed_at_ || due < *armed_at_;
  if (arm) armed_at_ = due;
  lock.unlock();
  if (arm) arm_timer(due);
  return w;
}

core::TimePoint WatchCache::next_bookmark(const Watcher& w, core::TimePoint now) const {
  if (!w.request.bookmarks) return core::TimePoint::max();
  const core::TimePoint at = std::min(now + kBookmarkFrequency, w.request.deadline - kPreTimeout);
  // cacheWatcher.nextBookmarkTime: none once the pre-timeout bookmark has gone out.
  return at <= now ? core::TimePoint::max() : at;
}

void WatchCache::arm_timer(core::TimePoint at) {
  // Never at or before now: an overdue timer may fire inside schedule_at.
  at = std::max(at, clock_.now() + std::chrono::milliseconds(1));
  std::weak_ptr<WatchCache> weak = weak_from_this();
  const auto id = clock_.schedule_at(at, [weak] {
    if (auto self = weak.lock()) self->tick();
  });
  (void)id;  // a timer that fires after the cache is gone finds no cache (weak_ptr)
}

// Bookmarks that are due, and watches whose timeoutSeconds passed (ended cleanly).
void WatchCache::tick() {
  std::vector<std::shared_ptr<Watcher>> timed_out, cut_off;
  std::optional<core::TimePoint> next;
  {
    std::lock_guard lock(mu_);
    const core::TimePoint now = clock_.now();
    armed_at_.reset();
    for (const auto& w : watchers_) {
      if (w->ended) continue;
      if (w->request.deadline <= now) {
        timed_out.push_back(w);
        continue;
      }
      if (w->bookmark_at <= now) {
        if (!w->deliver({"BOOKMARK", bookmark_object(*w->request.kind, revision_, false)})) {
          cut_off.push_back(w);
          continue;
        }
        w->bookmark_at = next_bookmark(*w, now);
      }
      const core::TimePoint due = std::min(w->bookmark_at, w->request.deadline);
      if (!next || due < *next) next = due;
    }
    if (next) armed_at_ = next;
  }
  for (const auto& w : timed_out) end(w, true);
  for (const auto& w : cut_off) end(w, true);
  if (next) arm_timer(*next);
}

void WatchCache::end(const std::shared_ptr<Watcher>& w, bool finish) {
  {
    std::lock_guard lock(mu_);
    if (w->ended) return;
    w->ended = true;
    std::erase(watchers_, w);
  }
  if (finish && w->finish) w->finish();
}

void WatchCache::unsubscribe(const std::shared_ptr<Watcher>& watcher) {
  end(watcher, false);
}

int64_t WatchCache::resource_version() {
  std::lock_guard lock(mu_);
  return revision_;
}

size_t WatchCache::watchers() {
  std::lock_guard lock(mu_);
  return watchers_.size();
}

}  // namespace kmslab::apiserver::k8s
