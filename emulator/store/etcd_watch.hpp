#pragma once
// One store watch on etcd: a Watch stream of its own, read by a thread of its own that calls the
// callback once per revision, in revision order (etcd never splits a revision across responses
// unless asked to fragment). When the member's stream breaks (the member died, lost its leader),
// the watch resumes on the next member from the revision after the last one delivered, as
// clientv3 does, until the handle is destroyed. A watch that falls behind a compaction, or
// whose callback throws, ends (the Store interface has no error callback; LocalStore ends a
// throwing watch too).
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <thread>

#include "emulator/store/etcd_members.hpp"
#include "emulator/store/watch_hub.hpp"

namespace kmslab::store {

class EtcdWatch final : public WatchHandle {
 public:
  struct State;

  /// Returns once a member confirmed the watch. With `compacted` (the caller found that
  /// start_revision is compacted), waits for etcd's compaction answer and throws CompactedError
  /// with its revision. Throws StoreError when no member confirms within the call timeout.
  static std::unique_ptr<WatchHandle> start(std::shared_ptr<EtcdMembers> members,
                                            const std::string& prefix, int64_t start_revision,
                                            bool compacted, WatchCallback callback);
  /// Stops the stream; no callback runs after this returns (unless called from the callback).
  ~EtcdWatch() override;

 private:
  EtcdWatch(std::shared_ptr<State> state, std::thread thread)
      : state_(std::move(state)), thread_(std::move(thread)) {}

  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace kmslab::store
