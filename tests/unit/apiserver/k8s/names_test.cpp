#include "emulator/apiserver/k8s/names.hpp"

#include <gtest/gtest.h>

#include "emulator/apiserver/k8s/table.hpp"

namespace kmslab::apiserver::k8s {
namespace {

TEST(Names, Dns1123SubdomainMessagesAreApimachinerys) {
  EXPECT_TRUE(dns1123_subdomain_errors("a.b-c").empty());
  auto errs = dns1123_subdomain_errors("Bad");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0],
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character (e.g. "
            "'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  EXPECT_EQ(dns1123_subdomain_errors(std::string(254, 'a')).front(),
            "must be no more than 253 characters");
}

TEST(Names, Dns1123LabelHasTwoExamples) {
  EXPECT_TRUE(dns1123_label_errors("team-a").empty());
  auto errs = dns1123_label_errors("a.b");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_NE(errs[0].find("(e.g. 'my-name',  or '123-abc', regex"), std::string::npos);
}

TEST(Names, ConfigMapKeys) {
  EXPECT_TRUE(config_map_key_errors("KEY_name-1.txt").empty());
  EXPECT_EQ(config_map_key_errors("..").back(), "must not be '..'");
  EXPECT_EQ(config_map_key_errors("..x").back(), "must not start with '..'");
  EXPECT_FALSE(config_map_key_errors("a b").empty());
}

TEST(HumanDuration, MatchesApimachinery) {
  using namespace std::chrono;
  EXPECT_EQ(human_duration(seconds(5)), "5s");
  EXPECT_EQ(human_duration(seconds(125)), "2m5s");
  EXPECT_EQ(human_duration(minutes(30)), "30m");
  EXPECT_EQ(human_duration(hours(5) + minutes(3)), "5h3m");
  EXPECT_EQ(human_duration(hours(30)), "30h");
  EXPECT_EQ(human_duration(hours(50)), "2d2h");
  EXPECT_EQ(human_duration(hours(24 * 30)), "30d");
  EXPECT_EQ(human_duration(seconds(-5)), "<invalid>");
}

}  // namespace
}  // namespace kmslab::apiserver::k8s
