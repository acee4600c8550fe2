#pragma once
// Watch fan-out for LocalStore.
//
// Delivery choice: events are queued in revision order while the store's state mutex is held
// (so the queue order is the commit order), and delivered synchronously by the committing thread
// after it released that mutex, under a per-hub delivery mutex. Hence callbacks run in revision
// order, never concurrently for one watch (nor for one store), never under the state mutex, and
// a slow watcher slows down writers instead of buffering without bound. A callback may read or
// write the store: a write made from inside a callback is queued and delivered by the outer
// delivery loop once the callback returns.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/store/store.hpp"

namespace kmslab::store {

using WatchCallback = std::function<void(const std::vector<Event>&)>;

class WatchHub : public std::enable_shared_from_this<WatchHub> {
 public:
  struct Watcher;

  /// Registers a watch that sees every published revision above `live_after`, preceded by the
  /// `replay` events (already filtered, in revision order). Call with the state mutex held.
  std::unique_ptr<WatchHandle> add(std::string prefix, int64_t live_after,
                                   const std::vector<Event>& replay, WatchCallback callback);
  /// Queues the events of one committed transaction. Call with the state mutex held.
  void publish(int64_t revision, std::vector<Event> events);
  /// Delivers everything queued. Call without the state mutex.
  void deliver();

  void remove(const Watcher* watcher);

 private:
  struct Item {
    std::shared_ptr<Watcher> target;  // null: every watcher whose prefix matches
    int64_t revision = 0;
    std::shared_ptr<const std::vector<Event>> events;
  };

  bool pop(Item& item, std::vector<std::shared_ptr<Watcher>>& watchers);
  static void deliver_item(const Item& item, Watcher& watcher);

  std::mutex mu_;  // guards watchers_ and queue_; never held while a callback runs
  std::vector<std::shared_ptr<Watcher>> watchers_;
  std::deque<Item> queue_;
  std::mutex delivery_mu_;  // one delivering thread per hub, so callbacks keep revision order
};

}  // namespace kmslab::store
