// Matchers (scenarios/runner/matchers.*), in the JSON form the parser gives them.
#include "scenarios/runner/matchers.hpp"

#include <gtest/gtest.h>

namespace kmslab::scenario {
namespace {

using nlohmann::json;

bool holds(const char* matcher, const json& value) {
  return !match(json::parse(matcher), &value).has_value();
}

TEST(Matchers, EqualityComparesNumbersAsNumbers) {
  EXPECT_TRUE(holds(R"({"eq": 3})", 3.0));
  EXPECT_TRUE(holds(R"({"eq": 200})", "200"));  // a header's text against a number
  EXPECT_TRUE(holds(R"({"eq": "true"})", true));
  EXPECT_FALSE(holds(R"({"eq": 3})", 4));
  EXPECT_FALSE(holds(R"({"eq": "a"})", "b"));
  EXPECT_TRUE(holds(R"({"ne": "a"})", "b"));
  EXPECT_TRUE(holds(R"({"eq": [1, 2]})", json::parse("[1,2]")));
}

TEST(Matchers, TextAndArrays) {
  EXPECT_TRUE(holds(R"({"contains": "cc"})", "accb"));
  EXPECT_TRUE(holds(R"({"contains": "k1"})", json::parse(R"(["k0","k1"])")));
  EXPECT_FALSE(holds(R"({"contains": "k"})", json::parse(R"(["k0","k1"])")));  // elements
  EXPECT_TRUE(holds(R"({"not_contains": "s3cret"})", "k8s:enc:kms:v2:..."));
  EXPECT_TRUE(holds(R"({"prefix": "k8s:enc:kms:v2:"})", "k8s:enc:kms:v2:p:x"));
  EXPECT_FALSE(holds(R"({"prefix": "k8s:enc:kms:v1:"})", "k8s:enc:kms:v2:p:x"));
  EXPECT_TRUE(holds(R"({"matches": "/keys/k1/[0-9a-f]{32}$"})",
                    "https://v.vault.azure.net/keys/k1/0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(holds(R"({"matches": "^x"})", "yx"));
}

TEST(Matchers, ExistenceNumbersLengthsAndSets) {
  EXPECT_TRUE(match(json::parse(R"({"exists": false})"), nullptr) == std::nullopt);
  EXPECT_TRUE(match(json::parse(R"({"exists": true})"), nullptr).has_value());
  EXPECT_TRUE(match(json::parse(R"({"eq": null})"), nullptr).has_value());
  EXPECT_TRUE(holds(R"({"ge": 3, "lt": 4})", 3));
  EXPECT_FALSE(holds(R"({"gt": 3})", 3));
  EXPECT_TRUE(holds(R"({"le": "5"})", "4.5"));  // a captured number is text
  EXPECT_FALSE(holds(R"({"gt": 1})", "many"));
  EXPECT_TRUE(holds(R"({"len": {"eq": 2}})", json::parse("[1,2]")));
  EXPECT_TRUE(holds(R"({"len": {"ge": 3}})", "abc"));
  EXPECT_TRUE(holds(R"({"one_of": ["Succeeded", "Failed"]})", "Failed"));
  EXPECT_FALSE(holds(R"({"one_of": ["Succeeded"]})", "Canceled"));
}

TEST(Matchers, ElementsAndPointers) {
  const json records = json::parse(
      R"([{"operationName":"KeyEncrypt","resultSignature":"OK"},
          {"operationName":"KeyDecrypt","resultSignature":"Forbidden"}])");
  EXPECT_TRUE(holds(R"({"any": {"/operationName": {"eq": "KeyDecrypt"}}})", records));
  EXPECT_FALSE(holds(R"({"any": {"/operationName": {"eq": "KeySign"}}})", records));
  EXPECT_FALSE(holds(R"({"all": {"/resultSignature": {"eq": "OK"}}})", records));
  EXPECT_TRUE(holds(R"({"/0/resultSignature": {"eq": "OK"}})", records));
  const auto why = match(json::parse(R"({"all": {"/resultSignature": {"eq": "OK"}}})"), &records);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "element 1: /resultSignature: expected \"OK\", got \"Forbidden\"");
}

TEST(Matchers, FailuresSayWhatWasSeen) {
  const json v = "Failed";
  EXPECT_EQ(*match(json::parse(R"({"contains": "Succ"})"), &v),
            "expected a value containing \"Succ\", got \"Failed\"");
  EXPECT_EQ(*match(json::parse(R"({"eq": 1})"), nullptr),
            "expected a value (for eq 1), got nothing (absent)");
}

TEST(Matchers, Pointers) {
  const json doc = json::parse(R"({"a":{"b/c":[1,{"d":2}]}})");
  ASSERT_NE(resolve_pointer(doc, "/a/b~1c/1/d"), nullptr);
  EXPECT_EQ(*resolve_pointer(doc, "/a/b~1c/1/d"), 2);
  EXPECT_EQ(resolve_pointer(doc, "/a/x"), nullptr);
  EXPECT_EQ(resolve_pointer(doc, "a"), nullptr);  // malformed: no leading /
  EXPECT_EQ(resolve_pointer(doc, "/a/b~1c/9"), nullptr);
}

}  // namespace
}  // namespace kmslab::scenario
