#pragma once
// The Store on a real etcd v3 cluster over gRPC (etcd's own API definitions, proto/etcd/): the
// interface was modelled on etcd, so each call is one etcd request and revisions, versions and
// compare semantics are etcd's own. Differences from LocalStore, all etcd's: revisions start at
// 1 (etcd's initial revision), watch callbacks arrive asynchronously on the watch's own thread
// (not before txn() returns), and history is kept until compact() (or etcd's
// --auto-compaction-*). Failover and retries: etcd_members.hpp. Opened by open_store("etcd://...").
#include <memory>

#include "emulator/store/etcd_members.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::store {

class EtcdStore final : public Store {
 public:
  explicit EtcdStore(EtcdOptions options);

  std::optional<KeyValue> get(const std::string& key) override;
  RangeResult range(const std::string& prefix, size_t limit = 0,
                    const std::string& start_after = {}) override;
  TxnResult txn(const Txn& txn) override;
  int64_t revision() override;
  std::unique_ptr<WatchHandle> watch(
      const std::string& prefix, int64_t start_revision,
      std::function<void(const std::vector<Event>&)> on_events) override;
  void compact(int64_t revision) override;
  /// "" when every reachable member is free of alarms and all agree on the hash of the key space
  /// (HashKV at one revision, etcd's own corruption check); else what is wrong. A member down is
  /// an outage, not corruption: it is skipped unless none answers.
  std::string check_integrity() override;

 private:
  etcdserverpb::RangeResponse read(const etcdserverpb::RangeRequest& request);
  bool compacted_before(int64_t revision);

  std::shared_ptr<EtcdMembers> members_;
};

}  // namespace kmslab::store
