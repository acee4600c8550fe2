#pragma once
// The members of one etcd cluster, one gRPC channel each, and the failover rule every call of
// the etcd store goes through.
//
// Failover: a call starts on the member that answered last. A failure that leaves the cluster
// unchanged (the member is down or cut off, has no leader, or sheds load) moves to the next
// member and tries again, round after round, until the call's deadline. Reads, and writes that
// are safe to repeat (compaction), retry on any UNAVAILABLE. A transaction retries only when
// the failure proves it never reached a member (the connection could not be made) or that the
// member refused it before proposing it to raft ("etcdserver: no leader", "too many requests").
// Any other failure after the request was sent (the member died mid-call, a raft timeout, the
// deadline) may have committed it: it is reported, not retried, since a retry could apply it
// twice and a compare-guarded retry would report a committed write as a conflict. This is
// etcd's own clientv3 rule (isSafeRetryMutableRPC) and kube-apiserver surfaces such an error as
// a 500, leaving the retry to its client.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "emulator/store/etcd_options.hpp"
#include "emulator/store/store.hpp"
#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"

namespace kmslab::store {

/// A call etcd answered with an error that retrying does not fix (invalid request, compacted or
/// future revision, no space, an ambiguous write). The message names the member and etcd's text.
class EtcdCallError : public StoreError {
 public:
  EtcdCallError(grpc::StatusCode code, std::string etcd_message, const std::string& what)
      : StoreError(what), code_(code), etcd_message_(std::move(etcd_message)) {}
  grpc::StatusCode code() const { return code_; }
  const std::string& etcd_message() const { return etcd_message_; }

 private:
  grpc::StatusCode code_;
  std::string etcd_message_;
};

struct EtcdMember {
  std::string endpoint;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<etcdserverpb::KV::Stub> kv;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch;
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance;
};

class EtcdMembers {
 public:
  enum class Retry { kIdempotent, kIfNotApplied };
  using Attempt = std::function<grpc::Status(EtcdMember&, grpc::ClientContext&)>;

  explicit EtcdMembers(EtcdOptions options);
  ~EtcdMembers();
  EtcdMembers(const EtcdMembers&) = delete;
  EtcdMembers& operator=(const EtcdMembers&) = delete;

  /// Runs `attempt` under the failover rule above; `what` names the call in errors ("txn").
  /// Returns the member that answered; throws EtcdCallError or StoreError.
  EtcdMember& call(const char* what, Retry retry, const Attempt& attempt);

  /// Runs `attempt` once on every member (for checks that compare members); the status of each.
  std::vector<grpc::Status> call_each(const Attempt& attempt);

  /// Sets the deadline and etcd's require-leader metadata (a member without a leader refuses at
  /// once instead of waiting for an election).
  void prepare(grpc::ClientContext& ctx, std::chrono::system_clock::time_point deadline) const;

  EtcdMember& current() { return *members_[current_.load() % members_.size()]; }
  /// Moves on from `member` (after it failed) and returns the next one to try.
  EtcdMember& next_after(const EtcdMember& member);
  size_t size() const { return members_.size(); }
  std::chrono::milliseconds timeout() const { return options_.timeout; }
  std::string describe() const;

 private:
  size_t index_of(const EtcdMember& member) const;

  void keep_connecting();

  EtcdOptions options_;
  std::vector<std::unique_ptr<EtcdMember>> members_;
  std::atomic<size_t> current_{0};
  std::atomic<bool> stopping_{false};
  // gRPC's synchronous client only polls a channel while a call waits on it, and a channel in
  // TRANSIENT_FAILURE fails calls at once: nobody would ever poll its reconnection, so a member
  // that was down once stayed unusable. This thread waits on every channel's state, which polls.
  std::thread connector_;
};

/// Whether a failed call certainly did not change the cluster (safe to send to another member).
bool etcd_not_applied(const grpc::Status& status);

}  // namespace kmslab::store
