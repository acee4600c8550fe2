// TLS to etcd: what is wrong with a CA, certificate or key file is a clear StoreError at open,
// before any member is dialled. (The handshake itself: tests/integration/apiserver/test_etcd_tls.py
// against Debian's etcd with --client-cert-auth.)
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "emulator/core/tls/ca.hpp"
#include "emulator/store/etcd_tls.hpp"
#include "emulator/store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::store::testing {
namespace {

class EtcdTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto now = std::chrono::system_clock::now();
    auto ca = core::tls::CertificateAuthority::load_or_create(dir_.file("ca"), now);
    ca_file_ = ca.cert_path().string();
    auto client = ca.issue({"127.0.0.1"}, now);
    auto other = ca.issue({"127.0.0.1"}, now);
    write("client.pem", client.cert_pem);
    write("client-key.pem", client.key_pem);
    write("other-key.pem", other.key_pem);
    write("garbage.pem", "not a certificate\n");
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.file(name)) << text;
  }
  std::string error(EtcdTls tls) {
    EtcdOptions options;
    options.endpoints = {"127.0.0.1:1"};
    options.tls = std::move(tls);
    try {
      etcd_channel_credentials(options);
    } catch (const StoreError& e) {
      return e.what();
    }
    return "";
  }

  kmslab::testing::TempDir dir_;
  std::string ca_file_;
};

TEST_F(EtcdTlsTest, GoodFilesGiveCredentials) {
  EXPECT_EQ(error({ca_file_, dir_.file("client.pem"), dir_.file("client-key.pem")}), "");
  EXPECT_EQ(error({ca_file_, "", ""}), "");  // server-authenticated only
  EXPECT_EQ(error({"", "", ""}), "");        // the system's roots
  EtcdOptions plain;
  EXPECT_NE(etcd_channel_credentials(plain), nullptr);
}

TEST_F(EtcdTlsTest, BadFilesAreNamedErrors) {
  const std::string cert = dir_.file("client.pem"), key = dir_.file("client-key.pem");
  EXPECT_NE(
      error({dir_.file("missing.pem"), "", ""}).find("cannot read the CA file (--etcd-cafile)"),
      std::string::npos);
  EXPECT_NE(error({dir_.file("garbage.pem"), "", ""}).find("holds no PEM certificate"),
            std::string::npos);
  EXPECT_NE(error({ca_file_, cert, ""})
                .find("KeyFile and CertFile must both be present[key: , "
                      "cert: " +
                      cert + "]"),
            std::string::npos);
  EXPECT_NE(error({ca_file_, "", key}).find("KeyFile and CertFile must both be present"),
            std::string::npos);
  EXPECT_NE(error({ca_file_, cert, dir_.file("missing-key.pem")})
                .find("cannot read the key file (--etcd-keyfile)"),
            std::string::npos);
  EXPECT_NE(error({ca_file_, dir_.file("garbage.pem"), key})
                .find("the certificate file (--etcd-certfile)"),
            std::string::npos);
  EXPECT_NE(error({ca_file_, cert, dir_.file("garbage.pem")}).find("holds no PEM private key"),
            std::string::npos);
  EXPECT_NE(error({ca_file_, cert, dir_.file("other-key.pem")})
                .find("tls: private key does not match public key"),
            std::string::npos);
}

TEST_F(EtcdTlsTest, OpenStoreReportsABadFile) {
  try {
    open_store("etcd+tls://127.0.0.1:1?ca=" + dir_.file("missing.pem"));
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.pem"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kmslab::store::testing
