#include "emulator/store/etcd_store.hpp"

#include <cstdio>
#include <map>

#include "emulator/store/etcd_watch.hpp"
#include "emulator/store/etcd_wire.hpp"

namespace kmslab::store {
namespace {

using Retry = EtcdMembers::Retry;
constexpr std::string_view kCompacted = "etcdserver: mvcc: required revision has been compacted";
constexpr std::string_view kFutureRevision =
    "etcdserver: mvcc: required revision is a future revision";

std::string hex(uint64_t id) {
  char text[17];
  std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(id));
  return text;
}

}  // namespace

EtcdStore::EtcdStore(EtcdOptions options)
    : members_(std::make_shared<EtcdMembers>(std::move(options))) {}

etcdserverpb::RangeResponse EtcdStore::read(const etcdserverpb::RangeRequest& request) {
  etcdserverpb::RangeResponse response;
  members_->call("range", Retry::kIdempotent, [&](EtcdMember& m, grpc::ClientContext& ctx) {
    return m.kv->Range(&ctx, request, &response);
  });
  return response;
}

std::optional<KeyValue> EtcdStore::get(const std::string& key) {
  if (key.empty()) return std::nullopt;  // etcd refuses the empty key; no key is ever stored there
  etcdserverpb::RangeRequest request;
  request.set_key(key);
  auto response = read(request);
  if (response.kvs_size() == 0) return std::nullopt;
  return from_etcd(response.kvs(0));
}

RangeResult EtcdStore::range(const std::string& prefix, size_t limit,
                             const std::string& start_after) {
  KeyRange range = etcd_prefix_range(prefix);
  etcdserverpb::RangeRequest request;
  // The first key after start_after is start_after + "\0".
  std::string after = start_after.empty() ? std::string() : start_after + '\0';
  request.set_key(after > range.key ? after : range.key);
  request.set_range_end(range.range_end);
  request.set_limit(static_cast<int64_t>(limit));
  RangeResult result;
  if (range.range_end != std::string(1, '\0') && request.key() >= range.range_end) {
    result.revision = revision();  // etcd would read [key, end) with end <= key as one key
    return result;
  }
  auto response = read(request);
  for (const auto& kv : response.kvs()) result.kvs.push_back(from_etcd(kv));
  result.revision = response.header().revision();
  result.more = response.more();
  return result;
}

TxnResult EtcdStore::txn(const Txn& txn) {
  const etcdserverpb::TxnRequest request = etcd_txn_request(txn);
  etcdserverpb::TxnResponse response;
  members_->call("txn", Retry::kIfNotApplied, [&](EtcdMember& m, grpc::ClientContext& ctx) {
    return m.kv->Txn(&ctx, request, &response);
  });
  return {response.succeeded(), response.header().revision()};
}

int64_t EtcdStore::revision() {
  etcdserverpb::RangeRequest request;
  request.set_key(std::string(1, '\0'));
  request.set_count_only(true);
  return read(request).header().revision();
}

// A Range at `revision` fails with etcd's "compacted" error exactly when a watch from there would.
bool EtcdStore::compacted_before(int64_t revision) {
  etcdserverpb::RangeRequest request;
  request.set_key(std::string(1, '\0'));
  request.set_count_only(true);
  request.set_revision(revision);
  try {
    read(request);
  } catch (const EtcdCallError& e) {
    if (e.etcd_message() == kCompacted) return true;
    if (e.etcd_message() != kFutureRevision) throw;
  }
  return false;
}

std::unique_ptr<WatchHandle> EtcdStore::watch(
    const std::string& prefix, int64_t start_revision,
    std::function<void(const std::vector<Event>&)> on_events) {
  const bool compacted = start_revision > 0 && compacted_before(start_revision);
  return EtcdWatch::start(members_, prefix, start_revision, compacted, std::move(on_events));
}

void EtcdStore::compact(int64_t revision) {
  etcdserverpb::CompactionRequest request;
  request.set_revision(revision);
  request.set_physical(true);  // return once the history is gone, as LocalStore does
  etcdserverpb::CompactionResponse response;
  try {
    // Compacting twice is harmless, so a compaction retries like a read.
    members_->call("compact", Retry::kIdempotent, [&](EtcdMember& m, grpc::ClientContext& ctx) {
      return m.kv->Compact(&ctx, request, &response);
    });
  } catch (const EtcdCallError& e) {
    if (e.etcd_message() != kCompacted) throw;  // at or behind the compaction point: nothing to do
  }
}

std::string EtcdStore::check_integrity() {
  try {
    etcdserverpb::AlarmRequest alarm_request;  // action GET, every member
    etcdserverpb::AlarmResponse alarms;
    members_->call("alarm", Retry::kIdempotent, [&](EtcdMember& m, grpc::ClientContext& ctx) {
      return m.maintenance->Alarm(&ctx, alarm_request, &alarms);
    });
    std::string raised;
    for (const auto& a : alarms.alarms())
      raised += (raised.empty() ? "" : ", ") + etcdserverpb::AlarmType_Name(a.alarm()) +
                " on member " + hex(a.memberid());
    if (!raised.empty()) return "etcd: alarm raised: " + raised;

    etcdserverpb::HashKVRequest hash_request;
    hash_request.set_revision(revision());
    // compact revision -> hash -> members: members hash the same history only from the same
    // compaction point.
    std::map<int64_t, std::map<uint32_t, std::string>> hashes;
    std::vector<etcdserverpb::HashKVResponse> answers(members_->size());
    size_t index = 0;
    const auto statuses = members_->call_each([&](EtcdMember& m, grpc::ClientContext& ctx) {
      auto& answer = answers[index++];
      return m.maintenance->HashKV(&ctx, hash_request, &answer);
    });
    std::string unreachable;
    size_t answered = 0;
    for (size_t i = 0; i < statuses.size(); ++i) {
      if (!statuses[i].ok()) {
        unreachable += (unreachable.empty() ? "" : "; ") + statuses[i].error_message();
        continue;
      }
      ++answered;
      std::string& who = hashes[answers[i].compact_revision()][answers[i].hash()];
      who += (who.empty() ? "member " : ", member ") + hex(answers[i].header().member_id());
    }
    if (answered == 0) return "etcd: all members unreachable: " + unreachable;
    for (const auto& [compact_revision, by_hash] : hashes) {
      if (by_hash.size() < 2) continue;
      std::string detail;
      for (const auto& [hash, who] : by_hash)
        detail += (detail.empty() ? "" : "; ") + who + " hash " + std::to_string(hash);
      return "etcd: members disagree on the key space at revision " +
             std::to_string(hash_request.revision()) + ": " + detail;
    }
    return "";
  } catch (const StoreError& e) {
    return e.what();
  }
}

}  // namespace kmslab::store
