#include "emulator/keyvault/key_body.hpp"

#include <gtest/gtest.h>

namespace kmslab::keyvault {
namespace {

using nlohmann::json;

TEST(KeyBody, KeyNames) {
  EXPECT_TRUE(is_valid_key_name("a"));
  EXPECT_TRUE(is_valid_key_name("My-Key-01"));
  EXPECT_TRUE(is_valid_key_name(std::string(127, 'k')));
  for (const std::string& bad :
       std::vector<std::string>{"", "a_b", "a.b", "a b", "ключ", std::string(128, 'k')}) {
    EXPECT_FALSE(is_valid_key_name(bad)) << bad;
  }
}

TEST(KeyBody, KeyParamsTypesAreChecked) {
  auto ok = read_key_params(json{{"kty", "RSA"}, {"key_size", 3072}, {"public_exponent", 65537}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->kty, "RSA");
  EXPECT_EQ(ok->key_size, 3072);
  EXPECT_FALSE(read_key_params(json::object()));
  EXPECT_FALSE(read_key_params(json{{"kty", 1}}));
  EXPECT_FALSE(read_key_params(json{{"kty", "RSA"}, {"key_size", "2048"}}));
  EXPECT_FALSE(read_key_params(json{{"kty", "EC"}, {"crv", 256}}));
  EXPECT_TRUE(read_key_params(json{{"kty", "EC"}, {"crv", nullptr}}));
}

TEST(KeyBody, AttributesMergeAndValidate) {
  KeyAttributes a;
  a.nbf = 100;
  EXPECT_FALSE(read_attributes(json{{"attributes", {{"exp", 200}, {"enabled", false}}}}, a));
  EXPECT_EQ(a.exp, 200);
  EXPECT_EQ(a.nbf, 100);  // untouched members are kept
  EXPECT_FALSE(a.enabled);
  EXPECT_FALSE(read_attributes(json{{"attributes", {{"nbf", nullptr}}}}, a));
  EXPECT_FALSE(a.nbf.has_value());  // null clears
  KeyAttributes b;
  EXPECT_TRUE(read_attributes(json{{"attributes", {{"nbf", 5}, {"exp", 5}}}}, b));
  EXPECT_TRUE(read_attributes(json{{"attributes", {{"exp", -1}}}}, b));
  EXPECT_TRUE(read_attributes(json{{"attributes", {{"exp", 1.5}}}}, b));
  EXPECT_TRUE(read_attributes(json{{"attributes", "x"}}, b));
  KeyAttributes c;
  EXPECT_FALSE(read_attributes(json{{"attributes", {{"created", 5}}}}, c));  // read-only: ignored
  EXPECT_EQ(c.created, 0);
}

TEST(KeyBody, KeyOpsAndTags) {
  std::optional<std::vector<std::string>> ops;
  EXPECT_FALSE(read_key_ops(json{{"key_ops", {"sign", "wrapKey"}}}, ops));
  EXPECT_EQ(ops->size(), 2u);
  EXPECT_TRUE(read_key_ops(json{{"key_ops", {"Sign"}}}, ops));  // case matters, as on the wire
  EXPECT_TRUE(read_key_ops(json{{"key_ops", "sign"}}, ops));
  std::optional<json> tags;
  EXPECT_FALSE(read_tags(json{{"tags", {{"a", "b"}}}}, tags));
  EXPECT_TRUE(read_tags(json{{"tags", {{"a", std::string(257, 'x')}}}}, tags));
  EXPECT_TRUE(read_tags(json{{"tags", {{"a", nullptr}}}}, tags));
}

TEST(KeyBody, Base64UrlMembers) {
  std::string out;
  EXPECT_FALSE(read_base64url(json{{"value", "aGk"}}, "value", out));
  EXPECT_EQ(out, "hi");
  EXPECT_EQ(read_base64url(json::object(), "value", out)->message,
            "Property 'value' is required.\r\n");
  EXPECT_EQ(read_base64url(json{{"value", "a+b"}}, "value", out)->message,
            "Content of 'value' is not base64url.\r\n");
}

TEST(KeyBody, KeyBitsForThrottling) {
  EXPECT_EQ(key_bits(json{{"n", std::string(342, 'A')}}), 2048);
  EXPECT_EQ(key_bits(json{{"crv", "P-521"}}), 521);
  EXPECT_EQ(key_bits(json{{"crv", "P-256K"}}), 256);
}

}  // namespace
}  // namespace kmslab::keyvault
