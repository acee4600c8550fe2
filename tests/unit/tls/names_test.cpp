#include "emulator/core/tls/names.hpp"

#include <string>

#include <gtest/gtest.h>

namespace kmslab::core::tls {
namespace {

struct MatchCase {
  const char* pattern;
  const char* host;
  bool expected;
};

TEST(HostMatches, Table) {
  const MatchCase cases[] = {
      {"*.vault.azure.net", "a.vault.azure.net", true},
      {"*.vault.azure.net", "myvault.vault.azure.net", true},
      {"*.vault.azure.net", "MyVault.VAULT.Azure.NET", true},
      {"*.VAULT.azure.net", "myvault.vault.azure.net", true},
      {"*.vault.azure.net", "myvault.vault.azure.net.", true},
      {"*.vault.azure.net", "vault.azure.net", false},
      {"*.vault.azure.net", ".vault.azure.net", false},
      {"*.vault.azure.net", "a.b.vault.azure.net", false},
      {"*.vault.azure.net", "a.vault.azure.net.evil.test", false},
      {"*.vault.azure.net", "avault.azure.net", false},
      {"*.vault.azure.net", "", false},
      {"localhost", "localhost", true},
      {"localhost", "LOCALHOST", true},
      {"localhost", "localhost.", true},
      {"localhost", "localhost2", false},
      {"localhost", "a.localhost", false},
      {"management.azure.com", "management.azure.com", true},
      {"management.azure.com", "management.azure.co", false},
      {"127.0.0.1", "127.0.0.1", true},
      {"127.0.0.1", "127.0.0.2", false},
      {"*", "anything", false},
      {"a*.vault.azure.net", "ab.vault.azure.net", false},
  };
  for (const MatchCase& c : cases) {
    EXPECT_EQ(host_matches(c.pattern, c.host), c.expected)
        << "pattern '" << c.pattern << "' host '" << c.host << "'";
  }
}

TEST(IsValidDnsName, Table) {
  const std::string label63(63, 'a');
  const std::string label64(64, 'a');
  // 4 * 63 + 3 dots = 255; trimmed to exactly 253 and to 254.
  const std::string long_name = label63 + "." + label63 + "." + label63 + "." + label63;
  const std::string name253 = long_name.substr(0, 253);
  const std::string name254 = long_name.substr(0, 254);
  struct Case {
    std::string name;
    bool expected;
  };
  const Case cases[] = {
      {"localhost", true},
      {"myvault.vault.azure.net", true},
      {"My-Vault1.example.TEST", true},
      {"xn--bcher-kva.example", true},
      {"1.2.3.4", true},
      {"a", true},
      {label63 + ".test", true},
      {name253, true},
      {"", false},
      {label64 + ".test", false},
      {name254, false},
      {"-bad.example", false},
      {"bad-.example", false},
      {"a..b", false},
      {".leading", false},
      {"trailing.", false},
      {"under_score.test", false},
      {"sp ace.test", false},
      {"*.wildcard.test", false},
      {"quote\".test", false},
      {std::string("nul\0byte", 8), false},
      {"caf\xc3\xa9.test", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(is_valid_dns_name(c.name), c.expected) << "name '" << c.name << "'";
  }
}

TEST(IsValidWildcardName, AcceptsOnlyALeadingStarLabel) {
  EXPECT_TRUE(is_valid_wildcard_name("*.vault.azure.net"));
  EXPECT_FALSE(is_valid_wildcard_name("*"));
  EXPECT_FALSE(is_valid_wildcard_name("*."));
  EXPECT_FALSE(is_valid_wildcard_name("a.*.test"));
  EXPECT_FALSE(is_valid_wildcard_name("*.*.test"));
  EXPECT_FALSE(is_valid_wildcard_name("vault.azure.net"));
}

TEST(IsIpLiteral, Table) {
  EXPECT_TRUE(is_ip_literal("127.0.0.1"));
  EXPECT_TRUE(is_ip_literal("0.0.0.0"));
  EXPECT_TRUE(is_ip_literal("::1"));
  EXPECT_TRUE(is_ip_literal("fe80::1:2"));
  EXPECT_TRUE(is_ip_literal("::ffff:10.0.0.1"));
  EXPECT_FALSE(is_ip_literal(""));
  EXPECT_FALSE(is_ip_literal("localhost"));
  EXPECT_FALSE(is_ip_literal("256.0.0.1"));
  EXPECT_FALSE(is_ip_literal("1.2.3"));
  EXPECT_FALSE(is_ip_literal("[::1]"));
  EXPECT_FALSE(is_ip_literal("fe80::1%eth0"));
  EXPECT_FALSE(is_ip_literal("127.0.0.1 "));
}

TEST(NameHelpers, LowerAndStripTrailingDot) {
  EXPECT_EQ(to_lower_ascii("MyVault.Example"), "myvault.example");
  EXPECT_EQ(strip_trailing_dot("host.example."), "host.example");
  EXPECT_EQ(strip_trailing_dot("host.example"), "host.example");
  EXPECT_EQ(strip_trailing_dot(""), "");
}

}  // namespace
}  // namespace kmslab::core::tls
