#include "emulator/store/etcd_wire.hpp"

namespace kmslab::store {
namespace {

etcdserverpb::Compare::CompareResult result_of(Compare::Op op) {
  switch (op) {
    case Compare::Op::kEqual:
      return etcdserverpb::Compare::EQUAL;
    case Compare::Op::kNotEqual:
      return etcdserverpb::Compare::NOT_EQUAL;
    case Compare::Op::kLess:
      return etcdserverpb::Compare::LESS;
    case Compare::Op::kGreater:
      return etcdserverpb::Compare::GREATER;
  }
  throw StoreError("etcd: unknown compare op");
}

void set_compare(const Compare& in, etcdserverpb::Compare& out) {
  out.set_key(in.key);
  out.set_result(result_of(in.op));
  switch (in.target) {
    case Compare::Target::kVersion:
      out.set_target(etcdserverpb::Compare::VERSION);
      out.set_version(in.number);
      return;
    case Compare::Target::kCreateRevision:
      out.set_target(etcdserverpb::Compare::CREATE);
      out.set_create_revision(in.number);
      return;
    case Compare::Target::kModRevision:
      out.set_target(etcdserverpb::Compare::MOD);
      out.set_mod_revision(in.number);
      return;
    case Compare::Target::kValue:
      out.set_target(etcdserverpb::Compare::VALUE);
      out.set_value(in.value);
      return;
  }
}

void add_ops(const std::vector<Op>& ops,
             google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>& out) {
  for (const Op& op : ops) {
    etcdserverpb::RequestOp& request = *out.Add();
    switch (op.type) {
      case Op::Type::kPut:
        request.mutable_request_put()->set_key(op.key);
        request.mutable_request_put()->set_value(op.value);
        break;
      case Op::Type::kDelete:
        request.mutable_request_delete_range()->set_key(op.key);
        break;
      case Op::Type::kDeletePrefix: {
        KeyRange range = etcd_prefix_range(op.key);
        request.mutable_request_delete_range()->set_key(range.key);
        request.mutable_request_delete_range()->set_range_end(range.range_end);
        break;
      }
    }
  }
}

}  // namespace

KeyRange etcd_prefix_range(const std::string& prefix) {
  if (prefix.empty()) return {std::string(1, '\0'), std::string(1, '\0')};
  std::string end = prefix;
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (end.empty()) return {prefix, std::string(1, '\0')};  // all 0xff: to the end of the keys
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return {prefix, end};
}

etcdserverpb::TxnRequest etcd_txn_request(const Txn& txn) {
  etcdserverpb::TxnRequest request;
  for (const Compare& c : txn.compares) set_compare(c, *request.add_compare());
  add_ops(txn.success, *request.mutable_success());
  add_ops(txn.failure, *request.mutable_failure());
  return request;
}

KeyValue from_etcd(const mvccpb::KeyValue& kv) {
  return {kv.key(), kv.value(), kv.create_revision(), kv.mod_revision(), kv.version()};
}

std::vector<std::vector<Event>> etcd_event_batches(const etcdserverpb::WatchResponse& response) {
  std::vector<std::vector<Event>> batches;
  for (const mvccpb::Event& e : response.events()) {
    Event event{e.type() == mvccpb::Event::DELETE ? Event::Type::kDelete : Event::Type::kPut,
                from_etcd(e.kv())};
    if (batches.empty() || batches.back().back().kv.mod_revision != event.kv.mod_revision)
      batches.emplace_back();
    batches.back().push_back(std::move(event));
  }
  return batches;
}

}  // namespace kmslab::store
