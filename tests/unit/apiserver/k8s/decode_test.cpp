#include "emulator/apiserver/k8s/decode.hpp"

#include <gtest/gtest.h>

namespace kmslab::apiserver::k8s {
namespace {

const Kind& secrets() {
  return *find_kind("secrets");
}

Status refused(std::string_view body, FieldValidation v = FieldValidation::kStrict) {
  auto r = decode_body(secrets(), body, v);
  EXPECT_TRUE(std::holds_alternative<Status>(r)) << body;
  return std::holds_alternative<Status>(r) ? std::get<Status>(r) : Status{};
}

TEST(DecodeBody, AcceptsSecretAndMergesStringData) {
  auto r = decode_body(secrets(),
                       R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},)"
                       R"("data":{"a":"YQ=="},"stringData":{"b":"hi"}})",
                       FieldValidation::kStrict);
  ASSERT_TRUE(std::holds_alternative<DecodedBody>(r));
  const auto& o = std::get<DecodedBody>(r).object;
  EXPECT_EQ(o["data"]["b"], "aGk=");
  EXPECT_FALSE(o.contains("stringData"));
}

TEST(DecodeBody, BadJsonIsUnrecognized) {
  auto s = refused("{nope");
  EXPECT_EQ(s.code, 400u);
  EXPECT_EQ(s.reason, "BadRequest");
  EXPECT_TRUE(
      s.message.starts_with("the object provided is unrecognized (must be of type Secret): "));
}

TEST(DecodeBody, WrongKindAndVersion) {
  EXPECT_TRUE(
      refused(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}})")
          .message.starts_with("ConfigMap in version \"v1\" cannot be handled as a Secret: "));
  EXPECT_TRUE(
      refused(R"({"apiVersion":"v2","kind":"Secret"})")
          .message.starts_with("Secret in version \"v2\" cannot be handled as a Secret: no kind"));
}

TEST(DecodeBody, GoTypeErrors) {
  EXPECT_EQ(refused(R"({"kind":"Secret","data":"x"})").message,
            "Secret in version \"v1\" cannot be handled as a Secret: json: cannot unmarshal string "
            "into Go struct field Secret.data of type map[string][]uint8");
  EXPECT_EQ(refused(R"({"kind":"Secret","data":{"a":"!!"}})").message,
            "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input "
            "byte 0");
  EXPECT_EQ(refused(R"({"kind":"Secret","metadata":{"name":5}})").message,
            "Secret in version \"v1\" cannot be handled as a Secret: json: cannot unmarshal number "
            "into Go struct field Secret.metadata.name of type string");
}

TEST(DecodeBody, UnknownFieldsByValidationMode) {
  const std::string body = R"({"kind":"Secret","metadata":{"name":"s","bogus":1},"extra":true})";
  EXPECT_EQ(refused(body).message,
            "Secret in version \"v1\" cannot be handled as a Secret: strict decoding error: "
            "unknown field \"extra\", unknown field \"metadata.bogus\"");
  auto warned = decode_body(secrets(), body, FieldValidation::kWarn);
  ASSERT_TRUE(std::holds_alternative<DecodedBody>(warned));
  EXPECT_EQ(std::get<DecodedBody>(warned).warnings.size(), 2u);
  EXPECT_FALSE(std::get<DecodedBody>(warned).object.contains("extra"));
  auto ignored = decode_body(secrets(), body, FieldValidation::kIgnore);
  EXPECT_TRUE(std::get<DecodedBody>(ignored).warnings.empty());
}

TEST(DecodeBody, DeepNestingIsRefusedNotCrashed) {
  std::string deep(100000, '[');
  EXPECT_EQ(refused(deep).code, 400u);
}

TEST(Base64, GoVerdicts) {
  EXPECT_FALSE(base64_error("YQ=="));
  EXPECT_FALSE(base64_error(""));
  EXPECT_TRUE(base64_error("YQ"));
  EXPECT_TRUE(base64_error("Y==="));
  EXPECT_EQ(*base64_error("YQ=a"), "illegal base64 data at input byte 2");
}

}  // namespace
}  // namespace kmslab::apiserver::k8s

#include "emulator/apiserver/k8s/protobuf_body.hpp"

namespace kmslab::apiserver::k8s {
namespace {

// "k8s\0" + Unknown{typeMeta{apiVersion "v1", kind "Secre\xe4"}, raw Secret{metadata{name}}}:
// found by fuzz_apiserver_api_body (the kind's invalid UTF-8 made the JSON writer throw).
TEST(ProtobufBody, InvalidUtf8KindIsABadRequestNotACrash) {
  const std::string body("k8s\0\x0a\x0c\x0a\x02v1\x12\x06Secre\xe4\x12\x06\x0a\x04\x0a\x02s1", 26);
  auto r = protobuf_body_to_json(*find_kind("secrets"), body);
  if (auto* text = std::get_if<std::string>(&r)) {
    auto d = decode_body(*find_kind("secrets"), *text, FieldValidation::kStrict);
    ASSERT_TRUE(std::holds_alternative<Status>(d));
    EXPECT_EQ(std::get<Status>(d).code, 400u);
  }
}

TEST(ProtobufBody, SecretDecodes) {
  const std::string body("k8s\0\x0a\x0c\x0a\x02v1\x12\x06Secret\x12\x06\x0a\x04\x0a\x02s1", 26);
  auto r = protobuf_body_to_json(*find_kind("secrets"), body);
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  auto d = decode_body(*find_kind("secrets"), std::get<std::string>(r), FieldValidation::kStrict);
  ASSERT_TRUE(std::holds_alternative<DecodedBody>(d));
  EXPECT_EQ(std::get<DecodedBody>(d).object["metadata"]["name"], "s1");
  EXPECT_EQ(std::get<Status>(protobuf_body_to_json(*find_kind("secrets"), "{}")).code, 400u);
}

}  // namespace
}  // namespace kmslab::apiserver::k8s
