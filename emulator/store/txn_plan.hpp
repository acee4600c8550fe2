#pragma once
// The pure part of a transaction: validating it, evaluating its compares and turning its ops into
// the events it would commit, all without touching the store.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "emulator/store/store.hpp"

namespace kmslab::store {

/// Throws StoreError when a branch writes a key twice (two puts, or a put and a delete covering
/// the same key), as etcd rejects such a request, so that a revision holds one event per key.
void validate_txn(const Txn& txn);

bool compares_hold(const std::map<std::string, KeyValue>& kvs,
                   const std::vector<Compare>& compares);

/// The events `ops` produce at `revision`, applied in order; deleting a missing key produces none.
std::vector<Event> plan_ops(const std::map<std::string, KeyValue>& kvs, const std::vector<Op>& ops,
                            int64_t revision);

}  // namespace kmslab::store
