#pragma once
// kube-apiserver's etcd3 storage layer over the kmslab store: one value per object under its
// registry key, the object's resourceVersion is the key's mod revision, writes are compare-and-
// swap on that revision, and every value passes through the resource's transformer with the key
// as authenticated data (reference kms.md §2.2-§2.4).
//
// Values are kube-apiserver's own storage encoding (object_codec.hpp: "k8s\0" + runtime.Unknown,
// without resourceVersion), deterministic so that re-encoding an unchanged object gives the same
// bytes: that is what the no-op update rule compares. JSON values are read too.
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "emulator/apiserver/encryption/transformer.hpp"
#include "emulator/apiserver/storage/keys.hpp"
#include "emulator/apiserver/storage/storage_metrics.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::apiserver::storage {

struct StorageError {
  enum class Kind { kNotFound, kAlreadyExists, kConflict, kInternal, kInvalid };
  Kind kind = Kind::kInternal;
  /// For kInternal: kube-apiserver's inner text ("unable to transform key ...", the transformer's
  /// own message); for the others the caller builds the Status from the ObjectRef.
  std::string message;
};

template <class T>
using Stored = std::variant<T, StorageError>;

struct StoredObject {
  nlohmann::json object;  // with metadata.resourceVersion set
  int64_t revision = 0;
};

struct ListOptions {
  size_t limit = 0;         // 0 = everything
  std::string start_after;  // a key relative to the collection prefix (from a continue token)
  std::function<bool(const nlohmann::json&)> matches;  // selectors; empty = all
};

struct ListPage {
  std::vector<nlohmann::json> items;
  int64_t revision = 0;
  /// When the page was cut by the limit: the last key returned, relative to the collection
  /// prefix (what the continue token carries). Empty when the list is complete.
  std::string continue_after;
};

/// What an update does with the current object: the new object, or an error that aborts the
/// update (a stale resourceVersion, a validation failure) and changes nothing.
using UpdateFn = std::function<std::variant<nlohmann::json, StorageError>(const StoredObject&)>;

class ObjectStorage {
 public:
  /// `metrics`: where the apiserver_storage_* series go (storage_metrics.hpp); null for none.
  ObjectStorage(store::Store& store, std::string etcd_prefix,
                std::shared_ptr<const encryption::TransformerRegistry> transformers,
                core::MetricsRegistry* metrics = nullptr);

  const std::string& prefix() const { return prefix_; }
  std::string key_of(const ObjectRef& ref) const { return object_key(prefix_, ref); }

  /// Fails with kAlreadyExists when the key exists.
  Stored<StoredObject> create(const ObjectRef& ref, nlohmann::json object);
  Stored<StoredObject> get(const ObjectRef& ref);
  /// Every object of `resource` in `ns` ("" = all namespaces), in key order. A value that does
  /// not decode fails the whole list, naming each bad key, as kube-apiserver does.
  Stored<ListPage> list(const std::string& resource, const std::string& ns,
                        const ListOptions& options);
  /// GuaranteedUpdate: read, apply `update`, and write unless the encoding is unchanged and the
  /// stored value is not stale (then the current object is returned as it is).
  Stored<StoredObject> update(const ObjectRef& ref, const UpdateFn& update);
  /// Deletes and returns the object as it was; `precondition` refuses a changed object.
  Stored<StoredObject> remove(
      const ObjectRef& ref,
      const std::function<std::optional<StorageError>(const StoredObject&)>& precondition = {});
  /// Deletes every key under the collection (a namespace's contents), in one transaction.
  void remove_collection(const std::string& resource, const std::string& ns);

  /// Counts the stored objects of each resource into apiserver_storage_objects (-1 when the
  /// store fails), as kube-apiserver's count poll does; pages through keys, memory bounded.
  void observe_object_counts(const std::vector<std::string>& resources);
  /// Visits every stored value of `resource` (all namespaces), untransformed, in key order, a
  /// page at a time (memory bounded), until `visit` returns false. Throws store::StoreError when
  /// the store fails.
  void scan(const std::string& resource, const std::function<bool(const store::KeyValue&)>& visit);
  /// What a stored value decodes to, resourceVersion = its mod revision (a watch event's value).
  Stored<StoredObject> decode_value(const std::string& resource, const store::KeyValue& kv) const;

  /// The bytes stored under `key`, untransformed (what `etcdctl get` prints).
  std::optional<store::KeyValue> raw(const std::string& key);
  int64_t revision() { return store_.revision(); }

  void set_transformers(std::shared_ptr<const encryption::TransformerRegistry> transformers);

 private:
  struct Decoded {
    StoredObject object;
    std::string plain;
    bool stale = false;
  };
  struct Current {
    store::KeyValue kv;
    Decoded decoded;
  };
  /// The stored value of `key` and what it decodes to; kNotFound when absent.
  Stored<Current> read_current(const std::string& resource, const std::string& key) const;
  std::shared_ptr<encryption::Transformer> transformer(const std::string& resource) const;
  Stored<Decoded> decode(const std::string& resource, const store::KeyValue& kv) const;
  Stored<std::string> to_storage(const std::string& resource, const std::string& key,
                                 const std::string& plain) const;

  store::Store& store_;
  const std::string prefix_;
  mutable std::mutex mu_;
  std::shared_ptr<const encryption::TransformerRegistry> transformers_;
  std::optional<StorageMetrics> metrics_;
};

/// The bytes an object is stored as before transformation (object_codec.hpp: protobuf for the
/// built-in kinds), or kInvalid when the object cannot be encoded.
Stored<std::string> encode_plain(const nlohmann::json& object);

}  // namespace kmslab::apiserver::storage
