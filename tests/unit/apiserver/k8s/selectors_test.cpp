#include "emulator/apiserver/k8s/selectors.hpp"

#include <gtest/gtest.h>

namespace kmslab::apiserver::k8s {
namespace {

Selector labels(const std::string& text) {
  auto s = parse_label_selector(text);
  EXPECT_TRUE(std::holds_alternative<Selector>(s)) << text;
  return std::get<Selector>(s);
}

TEST(LabelSelector, Operators) {
  const std::map<std::string, std::string> set = {{"app", "web"}, {"tier", "front"}};
  EXPECT_TRUE(labels("app=web").matches(set));
  EXPECT_TRUE(labels("app==web,tier").matches(set));
  EXPECT_FALSE(labels("app!=web").matches(set));
  EXPECT_TRUE(labels("app in (db, web)").matches(set));
  EXPECT_FALSE(labels("app notin (db,web)").matches(set));
  EXPECT_TRUE(labels("!missing").matches(set));
  EXPECT_FALSE(labels("missing").matches(set));
  EXPECT_TRUE(labels("").matches(set));
}

TEST(LabelSelector, MalformedIsAnError) {
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_label_selector("a in b")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_label_selector("bad key!=x")));
}

TEST(FieldSelector, SupportedFieldsOnly) {
  auto ok =
      parse_field_selector("metadata.name=s1,type!=Opaque", {"metadata.name", "type"}, "Secret");
  ASSERT_TRUE(std::holds_alternative<Selector>(ok));
  EXPECT_TRUE(
      std::get<Selector>(ok).matches({{"metadata.name", "s1"}, {"type", "kubernetes.io/tls"}}));
  auto bad = parse_field_selector("spec.x=1", {"metadata.name"}, "Secret");
  ASSERT_TRUE(std::holds_alternative<std::string>(bad));
  EXPECT_EQ(std::get<std::string>(bad), "field label not supported: spec.x");
  EXPECT_TRUE(std::holds_alternative<std::string>(
      parse_field_selector("metadata.name", {"metadata.name"}, "Secret")));
}

}  // namespace
}  // namespace kmslab::apiserver::k8s
