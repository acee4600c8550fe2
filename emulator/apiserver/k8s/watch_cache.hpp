#pragma once
// kube-apiserver's watch cache (storage/cacher): one store watch over the registry prefix feeds
// every API watch. It keeps the current stored value of each object (raw bytes: what a DELETED
// event shows is the last state, decrypted when needed) and, per resource, a ring of the last
// `capacity` events (--default-watch-cache-size, 100 as in kube-apiserver, or the resource's
// --watch-cache-sizes entry), decoded once through the transformers. A watch from
// resourceVersion N replays the ring after N; one older than the ring gets 410 Expired "too old
// resource version: N (M)" (watch_cache.go getAllEventsSinceLocked). Selector transitions follow
// cacheWatcher.convertToWatchEvent: an object that stops matching is DELETED for that watcher,
// one that starts matching is ADDED.
//
// Not modelled: the cache's dynamic capacity (fixed here: since 1.19 kube-apiserver sizes each
// cache itself and drops a non-zero --watch-cache-sizes entry with a warning, so the window here
// is the size given, a test's lever, where a real cluster's window is its event rate over 75 s),
// resources without a watch cache (size 0) and serving LISTs from the cache (LISTs still read
// storage).
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "emulator/apiserver/k8s/kinds.hpp"
#include "emulator/apiserver/k8s/status.hpp"
#include "emulator/apiserver/storage/object_storage.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::apiserver::k8s {

/// One event as a watcher sees it: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR (a Status).
struct WatchEvent {
  std::string type;
  nlohmann::json object;
};

struct WatchRequest {
  const Kind* kind = nullptr;
  std::string ns;                    // "" = every namespace
  int64_t resource_version = 0;      // 0 = "any": the current state first
  bool send_initial_events = false;  // with rv 0 semantics plus the initial-events-end bookmark
  bool skip_initial_state = false;   // sendInitialEvents=false with resourceVersion 0/""
  bool bookmarks = false;            // allowWatchBookmarks
  std::function<bool(const nlohmann::json&)> matches;  // selectors; empty = all
  core::TimePoint deadline;                            // timeoutSeconds
};

class WatchCache : public std::enable_shared_from_this<WatchCache> {
 public:
  /// Delivers one event to the client; false when the client is gone or too slow (the watch
  /// then ends). Called with the cache's lock held: it must only queue.
  using Deliver = std::function<bool(const WatchEvent&)>;
  /// The watch ended on the server's side (timeout, an ERROR event): finish the response.
  using Finish = std::function<void()>;
  class Watcher;

  /// `capacity` events kept per resource, but for those `sizes` names ("secrets": 500).
  WatchCache(store::Store& store, storage::ObjectStorage& storage, core::VirtualClock& clock,
             size_t capacity = 100, std::map<std::string, size_t> sizes = {});
  ~WatchCache();

  struct Filled {
    size_t objects = 0;
    size_t undecodable = 0;  // their watch events are ERRORs
  };
  /// Lists every served resource from storage (decrypting each object, as kube-apiserver's
  /// cache fill does), then follows the store. Returns what was found per resource.
  std::map<std::string, Filled> start();

  /// Starts a watch: the initial or replayed events are delivered before this returns, then
  /// live ones. An ERROR event (410 Expired, 504 too large) ends it at once.
  std::shared_ptr<Watcher> subscribe(const WatchRequest& request, Deliver deliver, Finish finish);
  /// Ends a watch (the client left); idempotent.
  void unsubscribe(const std::shared_ptr<Watcher>& watcher);

  int64_t resource_version();
  size_t watchers();

 private:
  // Stored bytes, decoded the first time a watcher needs them: with nobody watching, a write
  // costs the cache no decryption (kube-apiserver decodes off the write path too).
  struct CacheEvent {
    const Kind* kind = nullptr;
    bool deleted = false;
    std::string key;
    int64_t revision = 0;
    store::KeyValue value;                  // a put's new value
    std::optional<store::KeyValue> before;  // the value it replaced or deleted
    bool decoded = false;
    std::optional<nlohmann::json> object;  // for a delete: the last state, at `revision`
    std::optional<nlohmann::json> prev;    // the state before (none for a create)
    std::optional<Status> error;           // a value did not decode
  };
  struct Ring {
    std::deque<CacheEvent> events;
    bool evicted = false;
  };

  const Kind* kind_of_key(const std::string& key) const;
  size_t capacity_of(const std::string& resource) const;
  void on_events(const std::vector<store::Event>& events);
  CacheEvent make_event(const Kind& kind, const store::Event& e);
  std::optional<nlohmann::json> decode(const Kind& kind, const store::KeyValue& kv,
                                       std::optional<Status>& error);
  /// What one watcher gets for one cache event (nothing, or one event); false: it ended.
  bool send(Watcher& w, CacheEvent& e);
  void materialise(CacheEvent& e);
  bool initial_state(Watcher& w);
  void end(const std::shared_ptr<Watcher>& w, bool finish);
  void tick();
  void arm_timer(core::TimePoint at);
  core::TimePoint next_bookmark(const Watcher& w, core::TimePoint now) const;

  store::Store& store_;
  storage::ObjectStorage& storage_;
  core::VirtualClock& clock_;
  const size_t capacity_;
  const std::map<std::string, size_t> sizes_;
  std::mutex mu_;
  std::condition_variable advanced_;
  int64_t revision_ = 0;                           // the last revision the cache has seen
  int64_t list_revision_ = 0;                      // the revision of the initial list
  std::map<std::string, store::KeyValue> values_;  // key -> current stored value
  std::map<std::string, Ring> rings_;              // resource -> recent events
  std::vector<std::shared_ptr<Watcher>> watchers_;
  std::unique_ptr<store::WatchHandle> handle_;
  std::optional<core::TimePoint> armed_at_;
};

/// The object a BOOKMARK carries: the kind with only metadata.resourceVersion (and the
/// k8s.io/initial-events-end annotation after the initial events of sendInitialEvents).
nlohmann::json bookmark_object(const Kind& kind, int64_t revision, bool initial_events_end);

}  // namespace kmslab::apiserver::k8s
