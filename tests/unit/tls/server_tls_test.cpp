#include "emulator/core/tls/server_tls.hpp"

#include <atomic>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <boost/asio/ssl/error.hpp>

#include "tests/unit/tls/handshake.hpp"
#include "tests/unit/tls/test_support.hpp"

namespace kmslab::core::tls {
namespace {

using testing::ClientOptions;
using testing::fixed_now;
using testing::handshake;
using testing::HandshakeResult;

const std::vector<std::string> kDefaultNames = {
    "*.vault.localhost", "*.vault.azure.net",    "localhost",
    "127.0.0.1",         "management.azure.com", "login.microsoftonline.com"};

class ServerTlsTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  CertificateAuthority ca_ = CertificateAuthority::load_or_create(dir_.path(), fixed_now());
  ServerTls tls_{ca_, kDefaultNames, fixed_now};

  HandshakeResult connect(const ClientOptions& options) {
    return handshake(tls_, ca_.cert_pem(), options);
  }

  // The certificate served without SNI: the default one.
  std::string default_cert() {
    const HandshakeResult r = connect({.sni = std::nullopt, .verify_name = "127.0.0.1"});
    EXPECT_FALSE(r.client) << r.client.message();
    return r.peer_cert_pem;
  }
};

TEST_F(ServerTlsTest, DefaultNamesAreKept) {
  EXPECT_EQ(tls_.default_names(), kDefaultNames);
}

TEST_F(ServerTlsTest, NoSniGetsTheDefaultCertificate) {
  const HandshakeResult r = connect({.sni = std::nullopt, .verify_name = "127.0.0.1"});
  ASSERT_FALSE(r.client) << r.client.message();
  EXPECT_FALSE(r.server) << r.server.message();
  EXPECT_EQ(r.version, TLS1_3_VERSION);
  X509Ptr cert = testing::cert_from_pem(r.peer_cert_pem);
  EXPECT_EQ(X509_check_host(cert.get(), "myvault.vault.azure.net", 0, 0, nullptr), 1);
  EXPECT_EQ(tls_.issued_cache_size(), 0u);
}

TEST_F(ServerTlsTest, WildcardCoveredSniUsesTheDefaultCertificate) {
  const std::string expected = default_cert();
  for (const char* host : {"myvault.vault.azure.net", "MyVault.Vault.Azure.Net",
                           "kv.vault.localhost", "login.microsoftonline.com"}) {
    const HandshakeResult r = connect({.sni = host, .verify_name = host});
    ASSERT_FALSE(r.client) << host << ": " << r.client.message();
    EXPECT_EQ(r.peer_cert_pem, expected) << host;
  }
  EXPECT_EQ(tls_.issued_cache_size(), 0u);
}

TEST_F(ServerTlsTest, OtherSniIsIssuedOnDemandAndCached) {
  const ClientOptions custom{.sni = "custom.example.test", .verify_name = "custom.example.test"};
  const HandshakeResult first = connect(custom);
  ASSERT_FALSE(first.client) << first.client.message();
  EXPECT_FALSE(first.server) << first.server.message();
  EXPECT_EQ(tls_.issued_cache_size(), 1u);

  const HandshakeResult second = connect(custom);
  ASSERT_FALSE(second.client) << second.client.message();
  EXPECT_EQ(second.peer_cert_pem, first.peer_cert_pem);
  EXPECT_EQ(tls_.issued_cache_size(), 1u);
  EXPECT_NE(first.peer_cert_pem, default_cert());
}

TEST_F(ServerTlsTest, SniCaseAndTrailingDotShareOneCacheEntry) {
  const std::shared_ptr<SSL_CTX> a = tls_.context_for("Custom.Example.Test");
  const std::shared_ptr<SSL_CTX> b = tls_.context_for("custom.example.test.");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a, b);
  EXPECT_EQ(tls_.issued_cache_size(), 1u);
}

TEST_F(ServerTlsTest, InvalidSniKeepsTheDefaultCertificate) {
  for (const char* junk : {"under_score.test", "-bad.test", "a..b", "*.example.test", ""}) {
    EXPECT_EQ(tls_.context_for(junk), nullptr) << junk;
  }
  // A junk name in a real ClientHello still completes with the default certificate.
  const HandshakeResult r = connect({.sni = "bad_name.test", .verify_name = "localhost"});
  ASSERT_FALSE(r.client) << r.client.message();
  EXPECT_EQ(r.peer_cert_pem, default_cert());
  EXPECT_EQ(tls_.issued_cache_size(), 0u);
}

TEST_F(ServerTlsTest, CacheIsBoundedOldestFirst) {
  ServerTls small(ca_, {"localhost"}, fixed_now, 2);
  const auto first = small.context_for("one.test");
  small.context_for("two.test");
  small.context_for("three.test");
  EXPECT_EQ(small.issued_cache_size(), 2u);
  EXPECT_NE(small.context_for("one.test"), first);  // evicted, then issued anew
  EXPECT_EQ(small.context_for("three.test"), small.context_for("three.test"));
}

TEST_F(ServerTlsTest, Tls12ClientGetsAnAeadEcdheCipher) {
  const HandshakeResult r = connect({.sni = "myvault.vault.azure.net",
                                     .verify_name = "myvault.vault.azure.net",
                                     .max_version = TLS1_2_VERSION});
  ASSERT_FALSE(r.client) << r.client.message();
  EXPECT_EQ(r.version, TLS1_2_VERSION);
  EXPECT_EQ(r.cipher.rfind("ECDHE-ECDSA-", 0), 0u) << r.cipher;
  EXPECT_TRUE(r.cipher.find("GCM") != std::string::npos ||
              r.cipher.find("CHACHA20-POLY1305") != std::string::npos)
      << r.cipher;
}

TEST_F(ServerTlsTest, Tls12CbcOnlyClientIsRefused) {
  const HandshakeResult r =
      connect({.sni = "localhost",
               .verify_name = "localhost",
               .max_version = TLS1_2_VERSION,
               .cipher_list = "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA"});
  EXPECT_TRUE(r.client);
  EXPECT_TRUE(r.server);
  EXPECT_EQ(ERR_GET_REASON(static_cast<unsigned long>(r.server.value())), SSL_R_NO_SHARED_CIPHER)
      << r.server.message();
}

TEST_F(ServerTlsTest, Tls11ClientIsRefused) {
  // SECLEVEL=0 lets the client really offer TLS 1.1, so the refusal is the server's.
  const HandshakeResult r = connect({.sni = "localhost",
                                     .verify_name = "localhost",
                                     .min_version = TLS1_VERSION,
                                     .max_version = TLS1_1_VERSION,
                                     .cipher_list = "DEFAULT:@SECLEVEL=0"});
  EXPECT_TRUE(r.client);
  ASSERT_TRUE(r.server);
  EXPECT_EQ(r.server.category(), boost::asio::error::get_ssl_category());
  EXPECT_EQ(ERR_GET_REASON(static_cast<unsigned long>(r.server.value())),
            SSL_R_UNSUPPORTED_PROTOCOL)
      << r.server.message();
}

TEST_F(ServerTlsTest, ClientRejectsTheCertificateForAnotherCa) {
  testing::TempDir other_dir;
  const auto other = CertificateAuthority::load_or_create(other_dir.path(), fixed_now());
  const HandshakeResult r =
      handshake(tls_, other.cert_pem(), {.sni = "localhost", .verify_name = "localhost"});
  EXPECT_TRUE(r.client);
  EXPECT_TRUE(r.server);
}

TEST_F(ServerTlsTest, ConcurrentHandshakesShareOneIssuedCertificate) {
  std::vector<ClientOptions> clients;
  for (int i = 0; i < 8; ++i) {
    const std::string host = (i % 2 == 0) ? "race.example.test" : "other.example.test";
    clients.push_back({.sni = host, .verify_name = host});
  }
  const std::vector<HandshakeResult> results =
      testing::handshake_all(tls_, ca_.cert_pem(), clients, /*threads=*/2);
  for (const HandshakeResult& r : results) {
    EXPECT_FALSE(r.client) << r.client.message();
    EXPECT_FALSE(r.server) << r.server.message();
  }
  EXPECT_EQ(tls_.issued_cache_size(), 2u);
}

TEST_F(ServerTlsTest, RejectsUnusableDefaultNames) {
  EXPECT_THROW(ServerTls(ca_, {}, fixed_now), std::invalid_argument);
  EXPECT_THROW(ServerTls(ca_, {"bad name"}, fixed_now), std::invalid_argument);
}

TEST_F(ServerTlsTest, UsesTheInjectedClockForOnDemandCertificates) {
  std::atomic<int> calls = 0;
  ServerTls clocked(ca_, {"localhost"}, [&calls] {
    ++calls;
    return fixed_now();
  });
  EXPECT_EQ(calls.load(), 1);
  clocked.context_for("clock.example.test");
  EXPECT_EQ(calls.load(), 2);
}

}  // namespace
}  // namespace kmslab::core::tls
