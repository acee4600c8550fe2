// kube-apiserver's storage encoding, checked against bytes built here by hand from the proto
// definitions and Go's generated marshallers ([AM] meta/v1 and [API] core/v1 generated.pb.go,
// runtime/types_proto.go): every non-pointer field written even when empty, map entries sorted
// by key, metav1.Time as {seconds, nanos=0}. kms.md §2.1 (identity stores these bytes).
#include "emulator/apiserver/storage/object_codec.hpp"

#include <gtest/gtest.h>

#include "emulator/apiserver/storage/object_storage.hpp"
#include "emulator/store/local_store.hpp"

namespace kmslab::apiserver::storage {
namespace {

using nlohmann::json;

std::string varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}
// A length-delimited field (wire type 2) and a varint field (wire type 0).
std::string bytes_field(int number, std::string_view value) {
  return varint(static_cast<uint64_t>(number) << 3 | 2) + varint(value.size()) + std::string(value);
}
std::string varint_field(int number, uint64_t value) {
  return varint(static_cast<uint64_t>(number) << 3) + varint(value);
}
std::string map_entry(int number, std::string_view key, std::string_view value) {
  return bytes_field(number, bytes_field(1, key) + bytes_field(2, value));
}
std::string time_bytes(int64_t seconds) {
  return varint_field(1, static_cast<uint64_t>(seconds)) + varint_field(2, 0);
}

constexpr int64_t kCreated = 1795000000;
constexpr const char* kCreatedText = "2026-11-18T11:06:40Z";
const char* const kFields = R"({"f:data":{".":{},"f:a":{}},"f:type":{}})";

json golden_secret() {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata",
           {{"name", "s1"},
            {"namespace", "default"},
            {"uid", "0b5e6a3c-1111-4222-8333-944445555666"},
            {"resourceVersion", "41"},
            {"selfLink", "/api/v1/namespaces/default/secrets/s1"},
            {"creationTimestamp", kCreatedText},
            {"labels", {{"tier", "db"}, {"app", "x"}}},
            {"managedFields",
             {{{"manager", "kubectl-create"},
               {"operation", "Update"},
               {"apiVersion", "v1"},
               {"time", kCreatedText},
               {"fieldsType", "FieldsV1"},
               {"fieldsV1", json::parse(kFields)}}}}}},
          {"data", {{"b", "Mg=="}, {"a", "MQ=="}}},
          {"type", "Opaque"}};
}

std::string golden_secret_bytes() {
  const std::string entry = bytes_field(1, "kubectl-create") + bytes_field(2, "Update") +
                            bytes_field(3, "v1") + bytes_field(4, time_bytes(kCreated)) +
                            bytes_field(6, "FieldsV1") + bytes_field(7, bytes_field(1, kFields)) +
                            bytes_field(8, "");
  const std::string meta =
      bytes_field(1, "s1") + bytes_field(2, "") + bytes_field(3, "default") + bytes_field(4, "") +
      bytes_field(5, "0b5e6a3c-1111-4222-8333-944445555666") + bytes_field(6, "") +
      varint_field(7, 0) + bytes_field(8, time_bytes(kCreated)) + map_entry(11, "app", "x") +
      map_entry(11, "tier", "db") + bytes_field(17, entry);
  const std::string raw = bytes_field(1, meta) + map_entry(2, "a", "1") + map_entry(2, "b", "2") +
                          bytes_field(3, "Opaque");
  const std::string unknown = bytes_field(1, bytes_field(1, "v1") + bytes_field(2, "Secret")) +
                              bytes_field(2, raw) + bytes_field(3, "") + bytes_field(4, "");
  return std::string("k8s\0", 4) + unknown;
}

std::string must_encode(const json& object) {
  auto out = encode_object(object);
  if (auto* e = std::get_if<CodecError>(&out)) ADD_FAILURE() << e->message;
  return std::get<std::string>(out);
}

json must_decode(std::string_view bytes) {
  auto out = decode_object(bytes);
  if (auto* e = std::get_if<CodecError>(&out)) ADD_FAILURE() << e->message;
  return std::get<json>(out);
}

TEST(ObjectCodecTest, SecretEncodesByteForByteAsKubeApiserver) {
  EXPECT_EQ(must_encode(golden_secret()), golden_secret_bytes());
}

TEST(ObjectCodecTest, MapEntriesAreWrittenInSortedKeyOrder) {
  // Enough keys that an unsorted hash-map walk would not come out sorted by chance.
  json object = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "c"}}}};
  std::string expected_entries;
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) keys.push_back("k" + std::to_string(i));
  std::sort(keys.begin(), keys.end());
  for (const auto& k : keys) {
    object["data"][k] = "v" + k;
    expected_entries += map_entry(2, k, "v" + k);
  }
  const std::string encoded = must_encode(object);
  EXPECT_NE(encoded.find(expected_entries), std::string::npos);
}

TEST(ObjectCodecTest, ResourceVersionAndSelfLinkAreNotStored) {
  const std::string encoded = must_encode(golden_secret());
  EXPECT_EQ(encoded.find("41"), std::string::npos);
  EXPECT_EQ(encoded.find("/api/v1/namespaces"), std::string::npos);
}

TEST(ObjectCodecTest, RoundTripKeepsCreationTimestampUidAndManagedFields) {
  json decoded = must_decode(must_encode(golden_secret()));
  json expected = golden_secret();
  expected["metadata"].erase("resourceVersion");
  expected["metadata"].erase("selfLink");
  EXPECT_EQ(decoded, expected);
}

TEST(ObjectCodecTest, NamespaceKeepsSpecAndStatusAndZeroTimeIsNull) {
  json ns = {{"apiVersion", "v1"},
             {"kind", "Namespace"},
             {"metadata", {{"name", "team-a"}}},
             {"spec", {{"finalizers", {"kubernetes"}}}},
             {"status", {{"phase", "Active"}}}};
  json decoded = must_decode(must_encode(ns));
  EXPECT_EQ(decoded["spec"], ns["spec"]);
  EXPECT_EQ(decoded["status"], ns["status"]);
  EXPECT_TRUE(decoded["metadata"]["creationTimestamp"].is_null());  // Go's zero metav1.Time
}

TEST(ObjectCodecTest, ConfigMapBinaryDataAndImmutableRoundTrip) {
  json cm = {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata", {{"name", "c"}, {"namespace", "default"}, {"creationTimestamp", kCreatedText}}},
      {"data", {{"a", "text"}}},
      {"binaryData", {{"b", "AAEC"}}},
      {"immutable", true}};
  EXPECT_EQ(must_decode(must_encode(cm)), cm);
}

TEST(ObjectCodecTest, JsonValuesAreReadToo) {
  const json object = {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "s"}}}};
  EXPECT_EQ(must_decode(object.dump()), object);
}

TEST(ObjectCodecTest, OtherKindsAreStoredAsJsonWithoutResourceVersion) {
  json object = {{"apiVersion", "example.com/v1"},
                 {"kind", "Widget"},
                 {"metadata", {{"name", "w"}, {"resourceVersion", "7"}}}};
  const std::string encoded = must_encode(object);
  EXPECT_EQ(encoded.front(), '{');
  EXPECT_EQ(encoded.find("resourceVersion"), std::string::npos);
}

TEST(ObjectCodecTest, MalformedValuesAreErrorsNotCrashes) {
  const std::string good = golden_secret_bytes();
  for (const std::string& bad :
       {good.substr(0, good.size() / 2), std::string("k8s\0\xff\xff\xff", 7),
        std::string("k8s\0", 4) + bytes_field(1, bytes_field(2, "Pod")) + bytes_field(2, ""),
        std::string("[1,2]"), std::string("not json"), std::string()}) {
    auto out = decode_object(bad);
    EXPECT_TRUE(std::holds_alternative<CodecError>(out)) << testing::PrintToString(bad);
  }
}

// Found by fuzz_apiserver_stored_object: seconds past what a TimePoint holds overflowed.
TEST(ObjectCodecTest, TimeOutsideTheRepresentableRangeIsAnError) {
  const std::string meta = bytes_field(1, "s") + bytes_field(8, time_bytes(int64_t{1} << 40));
  const std::string stored = std::string("k8s\0", 4) +
                             bytes_field(1, bytes_field(1, "v1") + bytes_field(2, "Secret")) +
                             bytes_field(2, bytes_field(1, meta));
  EXPECT_TRUE(std::holds_alternative<CodecError>(decode_object(stored)));
}

TEST(ObjectCodecTest, InvalidUtf8AndBadFieldsV1AreRefused) {
  std::string golden = golden_secret_bytes();
  const size_t at = golden.find("kubectl-create");
  std::string bad_utf8 = golden;
  bad_utf8[at] = '\xff';
  EXPECT_TRUE(std::holds_alternative<CodecError>(decode_object(bad_utf8)));
  std::string bad_fields = golden;
  bad_fields[golden.find("{\"f:data\"")] = '[';
  EXPECT_TRUE(std::holds_alternative<CodecError>(decode_object(bad_fields)));
}

TEST(ObjectCodecTest, UnencodableObjectsAreErrors) {
  json bad_time = golden_secret();
  bad_time["metadata"]["creationTimestamp"] = "yesterday";
  EXPECT_TRUE(std::holds_alternative<CodecError>(encode_object(bad_time)));
  json bad_base64 = golden_secret();
  bad_base64["data"]["a"] = "***";
  EXPECT_TRUE(std::holds_alternative<CodecError>(encode_object(bad_base64)));
  json bad_refs = golden_secret();
  bad_refs["metadata"]["ownerReferences"] = "x";
  EXPECT_TRUE(std::holds_alternative<CodecError>(encode_object(bad_refs)));
}

class Passthrough final : public encryption::Transformer, public encryption::TransformerRegistry {
 public:
  encryption::FromStorage from_storage(std::string_view stored, std::string_view) override {
    return {std::string(stored), false};
  }
  std::string to_storage(std::string_view plain, std::string_view) override {
    return std::string(plain);
  }
  std::shared_ptr<encryption::Transformer> for_resource(std::string_view) const override {
    return std::shared_ptr<encryption::Transformer>(std::shared_ptr<void>(),
                                                    const_cast<Passthrough*>(this));
  }
};

// The no-op rule compares these bytes: a value stored as JSON (older kmslab) is rewritten once,
// then an unchanged update writes nothing (kms.md §2.4).
TEST(ObjectCodecTest, JsonValueIsRewrittenAsProtobufThenNoOpUpdatesWriteNothing) {
  store::LocalStore store;
  auto identity = std::make_shared<Passthrough>();
  ObjectStorage storage(store, "/registry", identity);
  const std::string key = "/registry/secrets/default/s1";
  json legacy = golden_secret();
  legacy["metadata"].erase("resourceVersion");
  legacy["metadata"].erase("selfLink");
  store.txn({{}, {store::Op::put(key, legacy.dump())}, {}});
  const ObjectRef ref{"secrets", "default", "s1"};
  const auto same = [](const StoredObject& current) -> std::variant<json, StorageError> {
    return current.object;
  };
  auto first = std::get<StoredObject>(storage.update(ref, same));
  EXPECT_EQ(store.get(key)->value, golden_secret_bytes());
  auto second = std::get<StoredObject>(storage.update(ref, same));
  EXPECT_EQ(second.revision, first.revision);
  EXPECT_EQ(second.object, first.object);
}

}  // namespace
}  // namespace kmslab::apiserver::storage
