#pragma once
// The store's model to and from etcd's messages: one Compare, Op and KeyValue for each of etcd's.
#include <string>
#include <vector>

#include "emulator/store/store.hpp"
#include "etcd/etcdserver/etcdserverpb/rpc.pb.h"

namespace kmslab::store {

/// The [key, range_end) etcd uses for "every key starting with prefix" (clientv3's
/// GetPrefixRangeEnd); the empty prefix is every key: ["\0", "\0").
struct KeyRange {
  std::string key;
  std::string range_end;
};
KeyRange etcd_prefix_range(const std::string& prefix);

etcdserverpb::TxnRequest etcd_txn_request(const Txn& txn);
KeyValue from_etcd(const mvccpb::KeyValue& kv);
/// The events of one watch response, one batch per revision, in revision order.
std::vector<std::vector<Event>> etcd_event_batches(const etcdserverpb::WatchResponse& response);

}  // namespace kmslab::store
