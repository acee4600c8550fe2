#include "emulator/apiserver/storage/object_storage.hpp"

#include "emulator/apiserver/storage/object_codec.hpp"

namespace kmslab::apiserver::storage {

namespace {

using nlohmann::json;

constexpr size_t kListPage = 500;
// Each retry follows a write by someone else between our read and our compare-and-swap; bounded
// so a key written in a tight loop by others cannot hold a request forever.
constexpr int kUpdateAttempts = 32;

StorageError internal(std::string message) {
  return {StorageError::Kind::kInternal, std::move(message)};
}

// A store that fails (etcd unreachable, a transaction whose outcome is unknown) is
// kube-apiserver's 500 InternalError with the store's words, not a crash of the handler: the
// etcd3 store returns the client's error and the handler wraps it (apierrors.NewInternalError).
StorageError store_failed(const store::StoreError& e) {
  return internal(e.what());
}

}  // namespace

Stored<std::string> encode_plain(const json& object) {
  auto encoded = encode_object(object);
  if (auto* err = std::get_if<CodecError>(&encoded))
    return StorageError{StorageError::Kind::kInvalid, err->message};
  return std::get<std::string>(std::move(encoded));
}

ObjectStorage::ObjectStorage(store::Store& store, std::string etcd_prefix,
                             std::shared_ptr<const encryption::TransformerRegistry> transformers,
                             core::MetricsRegistry* metrics)
    : store_(store),
      prefix_(normalise_prefix(etcd_prefix)),
      transformers_(std::move(transformers)) {
  if (metrics) metrics_.emplace(StorageMetrics::declare(*metrics));
}

void ObjectStorage::observe_object_counts(const std::vector<std::string>& resources) {
  if (!metrics_) return;
  for (const auto& resource : resources) {
    double count = 0;
    try {
      scan(resource, [&](const store::KeyValue&) {
        ++count;
        return true;
      });
    } catch (const store::StoreError&) {
      count = -1;
    }
    metrics_->objects.set({resource}, count);
  }
}

void ObjectStorage::scan(const std::string& resource,
                         const std::function<bool(const store::KeyValue&)>& visit) {
  const std::string prefix = collection_prefix(prefix_, resource, "");
  std::string after;
  // Bounded by the store: every page moves `after` forward or ends.
  while (true) {
    auto page = store_.range(prefix, kListPage, after);
    for (const auto& kv : page.kvs)
      if (!visit(kv)) return;
    if (!page.more || page.kvs.empty()) break;
    after = page.kvs.back().key;
  }
}

void ObjectStorage::set_transformers(
    std::shared_ptr<const encryption::TransformerRegistry> transformers) {
  std::lock_guard lock(mu_);
  transformers_ = std::move(transformers);
}

std::shared_ptr<encryption::Transformer> ObjectStorage::transformer(
    const std::string& resource) const {
  std::lock_guard lock(mu_);
  return transformers_->for_resource(resource);
}

Stored<ObjectStorage::Decoded> ObjectStorage::decode(const std::string& resource,
                                                     const store::KeyValue& kv) const {
  Decoded out;
  try {
    auto from = transformer(resource)->from_storage(kv.value, kv.key);
    out.plain = std::move(from.data);
    out.stale = from.stale;
  } catch (const encryption::TransformError& e) {
    return internal(e.what());
  }
  auto decoded = decode_object(out.plain);
  if (auto* err = std::get_if<CodecError>(&decoded)) {
    if (metrics_) metrics_->decode_errors.inc({resource});
    return internal("unable to decode " + kv.key + ": " + err->message);
  }
  json& object = std::get<json>(decoded);
  if (!object["metadata"].is_object()) object["metadata"] = json::object();
  object["metadata"]["resourceVersion"] = std::to_string(kv.mod_revision);
  out.object = {std::move(object), kv.mod_revision};
  return out;
}

Stored<std::string> ObjectStorage::to_storage(const std::string& resource, const std::string& key,
                                              const std::string& plain) const {
  try {
    return transformer(resource)->to_storage(plain, key);
  } catch (const encryption::TransformError& e) {
    return internal(e.what());
  }
}

Stored<ObjectStorage::Current> ObjectStorage::read_current(const std::string& resource,
                                                           const std::string& key) const {
  auto kv = store_.get(key);
  if (!kv) return StorageError{StorageError::Kind::kNotFound, {}};
  auto decoded = decode(resource, *kv);
  if (auto* err = std::get_if<StorageError>(&decoded)) return *err;
  return Current{std::move(*kv), std::move(std::get<Decoded>(decoded))};
}

Stored<StoredObject> ObjectStorage::create(const ObjectRef& ref, json object) try {
  const std::string key = key_of(ref);
  auto plain = encode_plain(object);
  if (auto* err = std::get_if<StorageError>(&plain)) return *err;
  auto value = to_storage(ref.resource, key, std::get<std::string>(plain));
  if (auto* err = std::get_if<StorageError>(&value)) return *err;
  const auto result =
      store_.txn({{store::Compare::create_revision(key, store::Compare::Op::kEqual, 0)},
                  {store::Op::put(key, std::get<std::string>(value))},
                  {}});
  if (!result.succeeded) return StorageError{StorageError::Kind::kAlreadyExists, {}};
  object["metadata"]["resourceVersion"] = std::to_string(result.revision);
  return StoredObject{std::move(object), result.revision};
} catch (const store::StoreError& e) {
  return store_failed(e);
}

Stored<StoredObject> ObjectStorage::get(const ObjectRef& ref) try {
  auto kv = store_.get(key_of(ref));
  if (!kv) return StorageError{StorageError::Kind::kNotFound, {}};
  auto decoded = decode(ref.resource, *kv);
  if (auto* err = std::get_if<StorageError>(&decoded)) return *err;
  return std::move(std::get<Decoded>(decoded).object);
} catch (const store::StoreError& e) {
  return store_failed(e);
}

Stored<ListPage> ObjectStorage::list(const std::string& resource, const std::string& ns,
                                     const ListOptions& options) try {
  const std::string prefix = collection_prefix(prefix_, resource, ns);
  ListPage page;
  // kube-apiserver's LIST stops at the first value that does not transform and names its key
  // ([AS] etcd3/store.go processListItem, defaultListErrorAggregatorFactory: abortOnFirstError);
  // only AllowUnsafeMalformedObjectDeletion (alpha, not modelled) would go on and aggregate.
  std::optional<std::string> failed;
  size_t fetched = 0, evaluated = 0;
  std::string after = options.start_after.empty() ? "" : prefix + options.start_after;
  // Bounded by the store: every round moves `after` forward or ends.
  while (true) {
    auto range = store_.range(prefix, kListPage, after);
    if (page.revision == 0) page.revision = range.revision;
    fetched += range.kvs.size();
    for (const auto& kv : range.kvs) {
      after = kv.key;
      auto decoded = decode(resource, kv);
      if (auto* err = std::get_if<StorageError>(&decoded)) {
        failed = "unable to transform key \"" + kv.key + "\": " + err->message;
        break;
      }
      auto& object = std::get<Decoded>(decoded).object.object;
      ++evaluated;
      if (options.matches && !options.matches(object)) continue;
      page.items.push_back(std::move(object));
      if (options.limit != 0 && page.items.size() == options.limit) break;
    }
    if (failed) break;
    const bool full = options.limit != 0 && page.items.size() == options.limit;
    if (full) {
      // More only if a key follows the last one returned.
      if (!store_.range(prefix, 1, after).kvs.empty())
        page.continue_after = after.substr(prefix.size());
      break;
    }
    if (!range.more) break;
  }
  if (metrics_) metrics_->record_list(resource, fetched, evaluated, page.items.size());
  if (failed) return internal(*failed);
  return page;
} catch (const store::StoreError& e) {
  return store_failed(e);
}

Stored<StoredObject> ObjectStorage::update(const ObjectRef& ref, const UpdateFn& update) try {
  const std::string key = key_of(ref);
  for (int attempt = 0; attempt < kUpdateAttempts; ++attempt) {
    auto read = read_current(ref.resource, key);
    if (auto* err = std::get_if<StorageError>(&read)) return *err;
    auto& [kv, current] = std::get<Current>(read);
    auto next = update(current.object);
    if (auto* err = std::get_if<StorageError>(&next)) return *err;
    json& object = std::get<json>(next);
    auto plain = encode_plain(object);
    if (auto* err = std::get_if<StorageError>(&plain)) return *err;
    if (std::get<std::string>(plain) == current.plain && !current.stale) {
      return std::move(current.object);  // §2.4: nothing to write, resourceVersion unchanged
    }
    auto value = to_storage(ref.resource, key, std::get<std::string>(plain));
    if (auto* err = std::get_if<StorageError>(&value)) return *err;
    const auto result = store_.txn(
        {{store::Compare::mod_revision(key, store::Compare::Op::kEqual, kv.mod_revision)},
         {store::Op::put(key, std::get<std::string>(value))},
         {}});
    if (!result.succeeded) continue;  // written meanwhile: re-read and re-apply
    object["metadata"]["resourceVersion"] = std::to_string(result.revision);
    return StoredObject{std::move(object), result.revision};
  }
  return StorageError{StorageError::Kind::kConflict, {}};
} catch (const store::StoreError& e) {
  return store_failed(e);
}

Stored<StoredObject> ObjectStorage::remove(
    const ObjectRef& ref,
    const std::function<std::optional<StorageError>(const StoredObject&)>& precondition) try {
  const std::string key = key_of(ref);
  for (int attempt = 0; attempt < kUpdateAttempts; ++attempt) {
    auto read = read_current(ref.resource, key);
    if (auto* err = std::get_if<StorageError>(&read)) return *err;
    auto& [kv, decoded] = std::get<Current>(read);
    auto& current = decoded.object;
    if (precondition) {
      if (auto err = precondition(current)) return *err;
    }
    const auto result = store_.txn(
        {{store::Compare::mod_revision(key, store::Compare::Op::kEqual, kv.mod_revision)},
         {store::Op::del(key)},
         {}});
    if (result.succeeded) return std::move(current);
  }
  return StorageError{StorageError::Kind::kConflict, {}};
} catch (const store::StoreError& e) {
  return store_failed(e);
}

void ObjectStorage::remove_collection(const std::string& resource, const std::string& ns) {
  store_.txn({{}, {store::Op::del_prefix(collection_prefix(prefix_, resource, ns))}, {}});
}

Stored<StoredObject> ObjectStorage::decode_value(const std::string& resource,
                                                 const store::KeyValue& kv) const {
  auto decoded = decode(resource, kv);
  if (auto* err = std::get_if<StorageError>(&decoded)) return *err;
  return std::move(std::get<Decoded>(decoded).object);
}

std::optional<store::KeyValue> ObjectStorage::raw(const std::string& key) {
  return store_.get(key);
}

}  // namespace kmslab::apiserver::storage
