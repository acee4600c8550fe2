#include "emulator/core/proxy_policy.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kmslab::core {
namespace {

using namespace std::string_literals;

// The patterns the emulator allows by default (Emulator::certificate_names).
ProxyPolicy default_policy() {
  return ProxyPolicy({"localhost", "127.0.0.1", "::1", "management.azure.com",
                      "login.microsoftonline.com", "*.vault.azure.net", "*.vault.localhost"});
}

TEST(ProxyPolicy, ParsesNamesAddressesAndPorts) {
  struct Case {
    const char* target;
    const char* host;
    uint16_t port;
  };
  for (const Case& c :
       {Case{"kv1.vault.azure.net:443", "kv1.vault.azure.net", 443},
        Case{"KV1.Vault.Azure.NET:443", "KV1.Vault.Azure.NET", 443},
        Case{"kv1.vault.azure.net.:443", "kv1.vault.azure.net.", 443},
        Case{"localhost:1", "localhost", 1}, Case{"127.0.0.1:65535", "127.0.0.1", 65535},
        Case{"[::1]:8443", "::1", 8443}, Case{"[2001:db8::7]:443", "2001:db8::7", 443},
        Case{"[::ffff:127.0.0.1]:443", "::ffff:127.0.0.1", 443},
        Case{"a-b.example:00443", "a-b.example", 443}}) {
    auto parsed = parse_connect_target(c.target);
    ASSERT_TRUE(parsed) << c.target;
    EXPECT_EQ(parsed->host, c.host) << c.target;
    EXPECT_EQ(parsed->port, c.port) << c.target;
  }
}

TEST(ProxyPolicy, RefusesMalformedTargets) {
  for (const std::string& bad : {
           ""s,
           ":443"s,                                // empty host
           "[]:443"s,                              // empty IPv6 host
           "kv1.vault.azure.net"s,                 // no port
           "kv1.vault.azure.net:"s,                // empty port
           "kv1.vault.azure.net:0"s,               // port out of range
           "kv1.vault.azure.net:65536"s,           //
           "kv1.vault.azure.net:99999"s,           //
           "kv1.vault.azure.net:443443"s,          //
           "kv1.vault.azure.net:-1"s,              //
           "kv1.vault.azure.net:+443"s,            //
           "kv1.vault.azure.net:44 3"s,            //
           "kv1.vault.azure.net:0x1bb"s,           //
           "kv1.vault.azure.net:443/"s,            // path
           "https://kv1.vault.azure.net:443"s,     // absolute-form
           "user@kv1.vault.azure.net:443"s,        // userinfo
           "kv1 .vault.azure.net:443"s,            // space
           "kv1.vault.azure.net\r\n:443"s,         // control bytes
           "kv1.vault.azure.net\0:443"s,           // NUL
           "kv1..vault.azure.net:443"s,            // empty label
           "-kv1.vault.azure.net:443"s,            // label starts with a hyphen
           "kv_1.vault.azure.net:443"s,            // underscore
           "*.vault.azure.net:443"s,               // wildcard
           ".:443"s,                               //
           std::string(64, 'a') + ".example:443",  // label too long
           std::string(300, 'a') + ":443",         // target too long
           "1.2.3.999:443"s,                       // numeric last label, not an address
           "::1:443"s,                             // unbracketed IPv6
           "[::1]"s,                               // bracketed, no port
           "[::1]443"s,                            //
           "[::1:443"s,                            // unclosed bracket
           "[::1]]:443"s,                          //
           "[[::1]]:443"s,                         //
           "[127.0.0.1]:443"s,                     // brackets are for IPv6 only
           "[localhost]:443"s,                     //
           "[fe80::1%eth0]:443"s,                  // zone id
           "[::1\0junk]:443"s,                     // NUL hidden from inet_pton
           "[:::]:443"s,                           //
       }) {
    EXPECT_FALSE(parse_connect_target(bad)) << bad;
  }
}

TEST(ProxyPolicy, DecidesTheStatus) {
  const ProxyPolicy policy = default_policy();
  EXPECT_EQ(policy.decide("CONNECT", "kv1.vault.azure.net:443").status, 200u);
  EXPECT_EQ(policy.decide("CONNECT", "MANAGEMENT.azure.com:443").status, 200u);
  EXPECT_EQ(policy.decide("CONNECT", "[::1]:8443").status, 200u);
  EXPECT_EQ(policy.decide("CONNECT", "127.0.0.1:8443").status, 200u);
  EXPECT_TRUE(policy.decide("CONNECT", "kv1.vault.azure.net:443").text.empty());

  // Hosts that only look close to an allowed pattern.
  for (const char* refused : {"evil.example:443", "vault.azure.net:443", "a.b.vault.azure.net:443",
                              "kv1.vault.azure.net.evil:443", "[::2]:443", "127.0.0.2:443"}) {
    const ProxyDecision d = policy.decide("CONNECT", refused);
    EXPECT_EQ(d.status, 403u) << refused;
    EXPECT_NE(d.text.find("never forwards"), std::string::npos) << refused;
    EXPECT_TRUE(d.target) << refused;
  }

  for (const char* method : {"GET", "POST", "connect", "", "CONNECTX"}) {
    EXPECT_EQ(policy.decide(method, "kv1.vault.azure.net:443").status, 405u) << method;
  }
  const ProxyDecision malformed = policy.decide("CONNECT", "kv1.vault.azure.net");
  EXPECT_EQ(malformed.status, 400u);
  EXPECT_FALSE(malformed.target);
}

TEST(ProxyPolicy, RefusalsEchoTheTargetSafely) {
  const ProxyPolicy policy = default_policy();
  const std::string junk = "\x01\x7f\xff" + std::string(500, 'x');
  const ProxyDecision d = policy.decide("CONNECT", junk);
  EXPECT_EQ(d.status, 400u);
  EXPECT_LT(d.text.size(), 400u);
  for (char c : d.text) EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << int(c);
}

TEST(ProxyPolicy, EmptyAllowListRefusesEverything) {
  const ProxyPolicy none({});
  EXPECT_EQ(none.decide("CONNECT", "localhost:443").status, 403u);
  EXPECT_EQ(none.allowed_list(), "");
  EXPECT_EQ(default_policy().allowed_list().substr(0, 22), "localhost, 127.0.0.1, ");
}

}  // namespace
}  // namespace kmslab::core
