#pragma once
// The revisioned key-value store every kmslab component persists into.
//
// The model is etcd v3's on purpose, so that the real-etcd backend fits the same interface: one
// global revision that every committed write (put or delete) advances by one per transaction,
// per-key create/mod revisions and versions, compare-and-swap transactions, and watches by
// prefix that can replay history from a past revision.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kmslab::store {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;  // revision of the put that created the key
  int64_t mod_revision = 0;     // revision of the last put to the key
  int64_t version = 0;          // puts since creation (1 after the first put)
};

/// A condition on one key, evaluated atomically at the start of a transaction.
/// A missing key has create_revision = mod_revision = version = 0, exactly as in etcd; as in etcd,
/// a kValue compare on a missing key always fails (whatever the op), since an empty value and no
/// value cannot be told apart.
struct Compare {
  enum class Target { kVersion, kCreateRevision, kModRevision, kValue };
  enum class Op { kEqual, kNotEqual, kLess, kGreater };
  std::string key;
  Target target = Target::kModRevision;
  Op op = Op::kEqual;
  int64_t number = 0;  // for version / revisions
  std::string value;   // for kValue

  static Compare mod_revision(std::string k, Op o, int64_t n) {
    return {std::move(k), Target::kModRevision, o, n, {}};
  }
  static Compare version(std::string k, Op o, int64_t n) {
    return {std::move(k), Target::kVersion, o, n, {}};
  }
  static Compare create_revision(std::string k, Op o, int64_t n) {
    return {std::move(k), Target::kCreateRevision, o, n, {}};
  }
  static Compare value_is(std::string k, Op o, std::string v) {
    return {std::move(k), Target::kValue, o, 0, std::move(v)};
  }
};

struct Op {
  enum class Type { kPut, kDelete, kDeletePrefix };
  Type type = Type::kPut;
  std::string key;  // the key, or the prefix for kDeletePrefix
  std::string value;

  static Op put(std::string k, std::string v) { return {Type::kPut, std::move(k), std::move(v)}; }
  static Op del(std::string k) { return {Type::kDelete, std::move(k), {}}; }
  static Op del_prefix(std::string p) { return {Type::kDeletePrefix, std::move(p), {}}; }
};

/// If every compare holds, apply `success`, else apply `failure` (etcd Txn).
struct Txn {
  std::vector<Compare> compares;
  std::vector<Op> success;
  std::vector<Op> failure;
};

struct TxnResult {
  bool succeeded = false;
  int64_t revision = 0;  // the store revision after the transaction (unchanged if it wrote nothing)
};

struct Event {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;  // for kDelete: key set, mod_revision = deleting revision, value empty
};

struct RangeResult {
  std::vector<KeyValue> kvs;  // sorted by key
  int64_t revision = 0;       // the store revision the range was read at
  bool more = false;          // true when `limit` cut the result
};

/// Thrown for storage failures (I/O error, disk full, corrupt file): callers turn it into a 500
/// without having changed state.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown by watch() when the requested start revision has been compacted away.
class CompactedError : public StoreError {
 public:
  explicit CompactedError(int64_t compact_revision)
      : StoreError("required revision has been compacted"), compact_revision_(compact_revision) {}
  int64_t compact_revision() const { return compact_revision_; }

 private:
  int64_t compact_revision_;
};

/// Cancels its watch when destroyed.
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual std::optional<KeyValue> get(const std::string& key) = 0;
  /// Keys starting with `prefix` in key order, at most `limit` (0 = all), starting after
  /// `start_after` when it is not empty (for paging).
  virtual RangeResult range(const std::string& prefix, size_t limit = 0,
                            const std::string& start_after = {}) = 0;
  /// Atomic and durable: when it returns, the transaction survives a kill -9 of the process.
  virtual TxnResult txn(const Txn& txn) = 0;
  virtual int64_t revision() = 0;

  /// Calls `on_events` with every event on keys under `prefix` with revision >= start_revision
  /// (0 = only future events), in revision order, one call per committed transaction. Calls are
  /// made after the commit, never concurrently for one watch, and never while the store's lock
  /// is held (the callback may read the store). Throws CompactedError if history is gone.
  /// LocalStore calls before the writing txn() returns (and replays before watch() returns);
  /// the etcd store, like any etcd client, calls from the watch's own thread a moment later.
  virtual std::unique_ptr<WatchHandle> watch(
      const std::string& prefix, int64_t start_revision,
      std::function<void(const std::vector<Event>&)> on_events) = 0;

  /// Drops history before `revision` (watches can no longer start earlier).
  virtual void compact(int64_t revision) = 0;

  /// A full consistency check; returns an empty string when the store is sound, else what is wrong.
  virtual std::string check_integrity() = 0;

  // Conveniences over txn().
  int64_t put(const std::string& key, const std::string& value) {
    return txn({{}, {Op::put(key, value)}, {}}).revision;
  }
  int64_t del(const std::string& key) { return txn({{}, {Op::del(key)}, {}}).revision; }
};

/// Opens a store from a specification: "memory", "sqlite:PATH" or
/// "etcd://host:port[,host:port...][?timeout=SECONDS]" (etcd_store.hpp). Throws StoreError with a
/// message naming the problem (unknown scheme, unwritable path, corrupt database).
std::unique_ptr<Store> open_store(const std::string& spec);

}  // namespace kmslab::store
