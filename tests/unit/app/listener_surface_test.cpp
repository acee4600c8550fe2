// Which host a connection serves, and what a request naming another one gets (listener_surface).
#include "emulator/app/listener_surface.hpp"

#include <gtest/gtest.h>

namespace kmslab::app {
namespace {

core::ConnectionInfo tls_to(const std::string& sni) {
  return {"127.0.0.1", 5555, 8443, true, sni, ""};
}

core::ConnectionInfo tunnel_to(const std::string& target) {
  return {"127.0.0.1", 5555, 8444, true, "whatever.example", target};
}

TEST(ListenerSurfaceTest, TheConnectionHostIsTheTunnelTargetElseTheServerName) {
  EXPECT_EQ(connection_host(tls_to("MyVault.Vault.Localhost")), "myvault.vault.localhost");
  EXPECT_EQ(connection_host(tunnel_to("kv1.vault.azure.net:443")), "kv1.vault.azure.net");
  EXPECT_EQ(connection_host(tunnel_to("[::1]:443")), "[::1]");
  EXPECT_EQ(connection_host(tls_to("")), "");
  EXPECT_EQ(connection_host({"127.0.0.1", 1, 2, false, "", ""}), "") << "plain HTTP";
}

TEST(ListenerSurfaceTest, AnIpLiteralServerNameNamesNoHost) {
  // wrk sends SNI "127.0.0.1" and then any Host header: served as a connection to an address.
  EXPECT_EQ(connection_host(tls_to("127.0.0.1")), "");
  EXPECT_EQ(connection_host(tls_to("::1")), "");
  EXPECT_FALSE(misdirected("myvault.vault.azure.net", tls_to("127.0.0.1")));
  EXPECT_TRUE(misdirected("myvault.vault.azure.net", tls_to("other.vault.azure.net")));
}

TEST(ListenerSurfaceTest, OnlyTheHostTheConnectionWasOpenedForIsServed) {
  EXPECT_FALSE(misdirected("myvault.vault.localhost:8443", tls_to("myvault.vault.localhost")));
  EXPECT_FALSE(misdirected("MYVAULT.vault.localhost", tls_to("myvault.vault.localhost")));
  EXPECT_FALSE(misdirected("kv1.vault.azure.net", tunnel_to("kv1.vault.azure.net:443")));
  EXPECT_FALSE(misdirected("management.azure.com", tls_to(""))) << "TLS to an IP: any host";
  auto e = misdirected("management.azure.com", tunnel_to("kv1.vault.azure.net:443"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 421u);
  EXPECT_EQ(e->code, "MisdirectedRequest");
  EXPECT_NE(e->message.find("'kv1.vault.azure.net'"), std::string::npos) << e->message;
  EXPECT_TRUE(misdirected("other.vault.localhost", tls_to("myvault.vault.localhost")));
}

TEST(ListenerSurfaceTest, MalformedHostHeadersAreRefusedNotTrusted) {
  const auto conn = tls_to("myvault.vault.localhost");
  for (const char* host : {"[::1", "[", ":", "myvault.vault.localhost.", "a:b:c",
                           "myvault.vault.localhost\r\nx", "\xff\xfe"}) {
    EXPECT_TRUE(misdirected(host, conn)) << host;
  }
  EXPECT_FALSE(misdirected("", conn)) << "no Host: the router answers (HTTP/1.1 requires one)";
}

}  // namespace
}  // namespace kmslab::app
