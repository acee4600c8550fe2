#include "emulator/apiserver/storage/object_storage.hpp"

#include <gtest/gtest.h>

#include "emulator/store/local_store.hpp"
#include "tests/support/full_disk_store.hpp"

namespace kmslab::apiserver::storage {
namespace {

using nlohmann::json;

// Writes "new:" + plain; reads "new:" (fresh) and "old:" (stale) values, refuses anything else
// with a TransformError: enough to drive the no-op rule and the error paths (kms.md §2.2, §2.4).
class TaggingTransformer final : public encryption::Transformer {
 public:
  encryption::FromStorage from_storage(std::string_view stored, std::string_view context) override {
    last_context = std::string(context);
    if (stored.starts_with("new:")) return {std::string(stored.substr(4)), false};
    if (stored.starts_with("old:")) return {std::string(stored.substr(4)), true};
    throw encryption::TransformError("no matching prefix found");
  }
  std::string to_storage(std::string_view plain, std::string_view context) override {
    last_context = std::string(context);
    return "new:" + std::string(plain);
  }
  std::string last_context;
};

class OneTransformer final : public encryption::TransformerRegistry {
 public:
  explicit OneTransformer(std::shared_ptr<encryption::Transformer> t) : t_(std::move(t)) {}
  std::shared_ptr<encryption::Transformer> for_resource(std::string_view) const override {
    return t_;
  }

 private:
  std::shared_ptr<encryption::Transformer> t_;
};

json secret(const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"data", {{"k", value}}}};
}

class ObjectStorageTest : public ::testing::Test {
 protected:
  store::LocalStore store;
  std::shared_ptr<TaggingTransformer> transformer = std::make_shared<TaggingTransformer>();
  ObjectStorage storage{store, "/registry", std::make_shared<OneTransformer>(transformer)};
  const ObjectRef ref{"secrets", "default", "s1"};

  StoredObject must(Stored<StoredObject> r) {
    if (auto* e = std::get_if<StorageError>(&r)) ADD_FAILURE() << "storage error: " << e->message;
    return std::get<StoredObject>(r);
  }
  UpdateFn set(json next) {
    return [next](const StoredObject&) -> std::variant<json, StorageError> { return next; };
  }
};

TEST_F(ObjectStorageTest, CreateStoresTransformedValueUnderRegistryKeyWithKeyAsContext) {
  auto created = must(storage.create(ref, secret("s1", "YQ==")));
  EXPECT_EQ(transformer->last_context, "/registry/secrets/default/s1");
  auto raw = storage.raw("/registry/secrets/default/s1");
  ASSERT_TRUE(raw);
  // kube-apiserver's protobuf storage encoding (object_codec_test.cpp checks the bytes).
  EXPECT_TRUE(raw->value.starts_with(std::string("new:k8s\0", 8)));
  EXPECT_EQ(raw->value.find("resourceVersion"), std::string::npos);
  EXPECT_EQ(created.object["metadata"]["resourceVersion"], std::to_string(raw->mod_revision));
}

TEST_F(ObjectStorageTest, CreateOfExistingKeyIsAlreadyExists) {
  must(storage.create(ref, secret("s1", "YQ==")));
  auto again = storage.create(ref, secret("s1", "Yg=="));
  ASSERT_TRUE(std::holds_alternative<StorageError>(again));
  EXPECT_EQ(std::get<StorageError>(again).kind, StorageError::Kind::kAlreadyExists);
}

TEST_F(ObjectStorageTest, GetSetsResourceVersionFromModRevision) {
  must(storage.create(ref, secret("s1", "YQ==")));
  auto got = must(storage.get(ref));
  EXPECT_EQ(got.object["metadata"]["resourceVersion"],
            std::to_string(store.get(storage.key_of(ref))->mod_revision));
  auto missing = storage.get({"secrets", "default", "nope"});
  EXPECT_EQ(std::get<StorageError>(missing).kind, StorageError::Kind::kNotFound);
}

// §2.4: an unchanged object that is not stale is not written; resourceVersion stays.
TEST_F(ObjectStorageTest, NoOpUpdateIsSkipped) {
  auto created = must(storage.create(ref, secret("s1", "YQ==")));
  const int64_t before = store.revision();
  auto updated = must(storage.update(ref, set(created.object)));
  EXPECT_EQ(store.revision(), before);
  EXPECT_EQ(updated.revision, created.revision);
}

// §2.4: the same object read stale is rewritten with the write transformer (storage migration).
TEST_F(ObjectStorageTest, StaleValueIsRewrittenByNoOpUpdate) {
  auto created = must(storage.create(ref, secret("s1", "YQ==")));
  const auto kv = store.get(storage.key_of(ref));
  store.put(kv->key, "old:" + kv->value.substr(4));
  const int64_t before = store.revision();
  auto updated = must(storage.update(ref, set(created.object)));
  EXPECT_EQ(store.revision(), before + 1);
  EXPECT_TRUE(store.get(kv->key)->value.starts_with("new:"));
  // And the next no-op update writes nothing.
  must(storage.update(ref, set(updated.object)));
  EXPECT_EQ(store.revision(), before + 1);
}

TEST_F(ObjectStorageTest, ChangedObjectIsWrittenWithNewRevision) {
  auto created = must(storage.create(ref, secret("s1", "YQ==")));
  auto updated = must(storage.update(ref, set(secret("s1", "Yg=="))));
  EXPECT_GT(updated.revision, created.revision);
  EXPECT_EQ(must(storage.get(ref)).object["data"]["k"], "Yg==");
}

TEST_F(ObjectStorageTest, UpdateErrorChangesNothing) {
  must(storage.create(ref, secret("s1", "YQ==")));
  const int64_t before = store.revision();
  auto r = storage.update(ref, [](const StoredObject&) -> std::variant<json, StorageError> {
    return StorageError{StorageError::Kind::kConflict, {}};
  });
  EXPECT_EQ(std::get<StorageError>(r).kind, StorageError::Kind::kConflict);
  EXPECT_EQ(store.revision(), before);
}

// §2.3: a value that does not transform is a 500 with the transformer's message; a LIST fails
// whole, naming the key.
TEST_F(ObjectStorageTest, UntransformableValueFailsGetAndWholeList) {
  must(storage.create(ref, secret("s1", "YQ==")));
  must(storage.create({"secrets", "default", "s2"}, secret("s2", "YQ==")));
  store.put("/registry/secrets/default/s2", "garbage");
  auto got = storage.get({"secrets", "default", "s2"});
  ASSERT_TRUE(std::holds_alternative<StorageError>(got));
  EXPECT_EQ(std::get<StorageError>(got).message, "no matching prefix found");
  auto list = storage.list("secrets", "", {});
  ASSERT_TRUE(std::holds_alternative<StorageError>(list));
  EXPECT_EQ(std::get<StorageError>(list).message,
            "unable to transform key \"/registry/secrets/default/s2\": no matching prefix found");
}

TEST_F(ObjectStorageTest, ListPagesWithLimitAndContinue) {
  for (const char* n : {"a", "b", "c"})
    must(storage.create({"secrets", "default", n}, secret(n, "YQ==")));
  must(storage.create({"secrets", "other", "d"}, secret("d", "YQ==")));
  auto first = std::get<ListPage>(storage.list("secrets", "default", {2, "", {}}));
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.continue_after, "b");
  auto second =
      std::get<ListPage>(storage.list("secrets", "default", {2, first.continue_after, {}}));
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0]["metadata"]["name"], "c");
  EXPECT_TRUE(second.continue_after.empty());
  auto all = std::get<ListPage>(storage.list("secrets", "", {}));
  EXPECT_EQ(all.items.size(), 4u);
}

TEST_F(ObjectStorageTest, RemoveHonoursPreconditionAndReturnsObject) {
  must(storage.create(ref, secret("s1", "YQ==")));
  auto refused = storage.remove(ref, [](const StoredObject&) -> std::optional<StorageError> {
    return StorageError{StorageError::Kind::kConflict, {}};
  });
  EXPECT_TRUE(std::holds_alternative<StorageError>(refused));
  EXPECT_TRUE(storage.raw(storage.key_of(ref)));
  auto removed = must(storage.remove(ref));
  EXPECT_EQ(removed.object["metadata"]["name"], "s1");
  EXPECT_FALSE(storage.raw(storage.key_of(ref)));
}

}  // namespace
}  // namespace kmslab::apiserver::storage

namespace kmslab::apiserver::storage {
namespace {

// apiserver_storage_* as kube-apiserver 1.32 exposes them (storage/etcd3/metrics/metrics.go).
TEST_F(ObjectStorageTest, StorageMetricsCountObjectsListsAndDecodeErrors) {
  core::MetricsRegistry registry;
  ObjectStorage measured(store, "/registry", std::make_shared<OneTransformer>(transformer),
                         &registry);
  for (const char* n : {"a", "b", "c"})
    must(measured.create({"secrets", "default", n}, secret(n, "YQ==")));
  measured.observe_object_counts({"secrets", "configmaps"});
  const auto ok = [](const json& o) { return o["metadata"]["name"] != "b"; };
  std::get<ListPage>(measured.list("secrets", "", {0, "", ok}));
  store.put("/registry/secrets/default/c", std::string("new:k8s\0garbage", 15));
  EXPECT_TRUE(std::holds_alternative<StorageError>(measured.get({"secrets", "default", "c"})));
  const std::string text = registry.render();
  for (const char* line :
       {"# TYPE apiserver_storage_objects gauge\n",
        "apiserver_storage_objects{resource=\"secrets\"} 3\n",
        "apiserver_storage_objects{resource=\"configmaps\"} 0\n",
        "apiserver_storage_list_total{resource=\"secrets\"} 1\n",
        "apiserver_storage_list_fetched_objects_total{resource=\"secrets\"} 3\n",
        "apiserver_storage_list_evaluated_objects_total{resource=\"secrets\"} 3\n",
        "apiserver_storage_list_returned_objects_total{resource=\"secrets\"} 2\n",
        "apiserver_storage_decode_errors_total{resource=\"secrets\"} 1\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
}

}  // namespace
}  // namespace kmslab::apiserver::storage

namespace kmslab::apiserver::storage {
namespace {

// kube-apiserver answers a failing etcd with a 500 InternalError carrying the client's words;
// the handler never sees an exception, and nothing half-applies.
TEST(ObjectStorageStoreFailure, EveryOperationReportsTheStoreErrorAsInternal) {
  store::LocalStore inner;
  testing::FullDiskStore store(inner);
  ObjectStorage storage{store, "/registry",
                        std::make_shared<OneTransformer>(std::make_shared<TaggingTransformer>())};
  const ObjectRef ref{"secrets", "default", "s1"};
  ASSERT_TRUE(std::holds_alternative<StoredObject>(storage.create(ref, secret("s1", "YQ=="))));
  const int64_t before = store.revision();
  store.unreachable = true;
  const auto internal = [](const auto& result) {
    const auto* e = std::get_if<StorageError>(&result);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->kind, StorageError::Kind::kInternal);
    EXPECT_EQ(e->message, testing::FullDiskStore::kUnreachable);
  };
  internal(storage.create({"secrets", "default", "s2"}, secret("s2", "Yg==")));
  internal(storage.get(ref));
  internal(storage.list("secrets", "", {}));
  internal(storage.update(
      ref, [](const StoredObject& c) -> std::variant<json, StorageError> { return c.object; }));
  internal(storage.remove(ref, nullptr));
  store.unreachable = false;
  EXPECT_EQ(store.revision(), before);
  EXPECT_TRUE(std::holds_alternative<StoredObject>(storage.get(ref)));
}

}  // namespace
}  // namespace kmslab::apiserver::storage
