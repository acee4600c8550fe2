#include "emulator/core/tls/ca.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/tls/test_support.hpp"

namespace kmslab::core::tls {
namespace {

namespace fs = std::filesystem;
using testing::fixed_now;
using testing::kDay;
using testing::kNowSeconds;
using testing::TempDir;

const std::vector<std::string> kNames = {
    "*.vault.localhost",   "*.vault.azure.net", "localhost", "127.0.0.1", "::1",
    "management.azure.com"};

fs::perms mode_of(const fs::path& path) {
  return fs::status(path).permissions() & fs::perms::mask;
}

// Runs load_or_create expecting failure; returns the message.
std::string load_error(const fs::path& dir) {
  try {
    CertificateAuthority::load_or_create(dir, fixed_now());
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "load_or_create(" << dir << ") did not throw";
  return {};
}

TEST(CertificateAuthority, CreatesThenReloadsTheSameCa) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "state" / "ca";
  const CertificateAuthority first = CertificateAuthority::load_or_create(dir, fixed_now());
  EXPECT_EQ(first.cert_path(), dir / "ca.pem");
  EXPECT_EQ(testing::read_text(dir / "ca.pem"), first.cert_pem());
  const std::string key_before = testing::read_text(dir / "ca-key.pem");

  const auto later = fixed_now() + std::chrono::hours(24 * 30);
  const CertificateAuthority second = CertificateAuthority::load_or_create(dir, later);
  EXPECT_EQ(second.cert_pem(), first.cert_pem());
  EXPECT_EQ(testing::read_text(dir / "ca-key.pem"), key_before);
  // The reloaded key signs leaves that chain to the original certificate.
  const IssuedCert leaf = second.issue({"localhost"}, fixed_now());
  EXPECT_EQ(testing::verify_strict(first.cert_pem(), leaf.cert_pem, kNowSeconds), X509_V_OK);
}

TEST(CertificateAuthority, FileModes) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "ca";
  CertificateAuthority::load_or_create(dir, fixed_now());
  EXPECT_EQ(mode_of(dir), fs::perms::owner_all);
  EXPECT_EQ(mode_of(dir / "ca-key.pem"), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(mode_of(dir / "ca.pem"), fs::perms::owner_read | fs::perms::owner_write |
                                         fs::perms::group_read | fs::perms::others_read);
  // No temporary files left behind by the atomic writes.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 2);
}

TEST(CertificateAuthority, CaCertificateShape) {
  TempDir tmp;
  const auto ca = CertificateAuthority::load_or_create(tmp.path(), fixed_now());
  X509Ptr cert = testing::cert_from_pem(ca.cert_pem());
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_EQ(X509_get_pathlen(cert.get()), 0);
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_NE(X509_get0_subject_key_id(cert.get()), nullptr);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof(cn));
  EXPECT_STREQ(cn, "kmslab local CA");
  // Valid from exactly a day before `now` for 3650 days (X509_cmp_time: -1 means <=).
  std::time_t start = kNowSeconds - kDay;
  std::time_t just_before_start = start - 1;
  std::time_t end = start + 3650 * kDay;
  std::time_t just_before_end = end - 1;
  EXPECT_EQ(X509_cmp_time(X509_get0_notBefore(cert.get()), &start), -1);
  EXPECT_EQ(X509_cmp_time(X509_get0_notBefore(cert.get()), &just_before_start), 1);
  EXPECT_EQ(X509_cmp_time(X509_get0_notAfter(cert.get()), &end), -1);
  EXPECT_EQ(X509_cmp_time(X509_get0_notAfter(cert.get()), &just_before_end), 1);
}

TEST(CertificateAuthority, CorruptCertGivesClearError) {
  TempDir tmp;
  CertificateAuthority::load_or_create(tmp.path(), fixed_now());
  testing::write_text(tmp.path() / "ca.pem", "-----BEGIN CERTIFICATE-----\ngarbage\n");
  const std::string message = load_error(tmp.path());
  EXPECT_NE(message.find((tmp.path() / "ca.pem").string()), std::string::npos) << message;
  EXPECT_NE(message.find("delete"), std::string::npos) << message;
}

TEST(CertificateAuthority, MismatchedKeyGivesClearError) {
  TempDir a;
  TempDir b;
  CertificateAuthority::load_or_create(a.path(), fixed_now());
  CertificateAuthority::load_or_create(b.path(), fixed_now());
  fs::copy_file(b.path() / "ca-key.pem", a.path() / "ca-key.pem",
                fs::copy_options::overwrite_existing);
  const std::string message = load_error(a.path());
  EXPECT_NE(message.find((a.path() / "ca-key.pem").string()), std::string::npos) << message;
  EXPECT_NE(message.find("does not match"), std::string::npos) << message;
  EXPECT_NE(message.find("delete"), std::string::npos) << message;
}

TEST(CertificateAuthority, LeafInPlaceOfCaIsRefused) {
  TempDir tmp;
  const auto ca = CertificateAuthority::load_or_create(tmp.path() / "real", fixed_now());
  const IssuedCert leaf = ca.issue({"localhost"}, fixed_now());
  testing::write_text(tmp.path() / "ca.pem", leaf.cert_pem);
  testing::write_text(tmp.path() / "ca-key.pem", leaf.key_pem);
  const std::string message = load_error(tmp.path());
  EXPECT_NE(message.find("is not a CA certificate"), std::string::npos) << message;
}

TEST(CertificateAuthority, UnusableDirectoryGivesClearError) {
  TempDir tmp;
  // A path below a regular file can never be created, even by root.
  testing::write_text(tmp.path() / "file", "x");
  const fs::path dir = tmp.path() / "file" / "ca";
  const std::string message = load_error(dir);
  EXPECT_NE(message.find((tmp.path() / "file").string()), std::string::npos) << message;
}

TEST(CertificateAuthority, IssuedLeafVerifiesStrictly) {
  TempDir tmp;
  const auto ca = CertificateAuthority::load_or_create(tmp.path(), fixed_now());
  const IssuedCert leaf = ca.issue(kNames, fixed_now());
  EXPECT_EQ(testing::verify_strict(ca.cert_pem(), leaf.cert_pem, kNowSeconds), X509_V_OK);
  // Validity: now-1day .. +397 days.
  EXPECT_EQ(testing::verify_strict(ca.cert_pem(), leaf.cert_pem, kNowSeconds - kDay + 60),
            X509_V_OK);
  EXPECT_EQ(testing::verify_strict(ca.cert_pem(), leaf.cert_pem, kNowSeconds - 2 * kDay),
            X509_V_ERR_CERT_NOT_YET_VALID);
  EXPECT_EQ(testing::verify_strict(ca.cert_pem(), leaf.cert_pem, kNowSeconds + 395 * kDay),
            X509_V_OK);
  EXPECT_EQ(testing::verify_strict(ca.cert_pem(), leaf.cert_pem, kNowSeconds + 397 * kDay),
            X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST(CertificateAuthority, IssuedLeafNamesAndExtensions) {
  TempDir tmp;
  const auto ca = CertificateAuthority::load_or_create(tmp.path(), fixed_now());
  X509Ptr leaf = testing::cert_from_pem(ca.issue(kNames, fixed_now()).cert_pem);
  X509* c = leaf.get();
  for (const char* host : {"myvault.vault.azure.net", "MyVault.vault.azure.net",
                           "x.vault.localhost", "localhost", "management.azure.com"}) {
    EXPECT_EQ(X509_check_host(c, host, 0, 0, nullptr), 1) << host;
  }
  for (const char* host : {"vault.azure.net", "a.b.vault.azure.net", "127.0.0.1", "other.test"}) {
    EXPECT_NE(X509_check_host(c, host, 0, 0, nullptr), 1) << host;
  }
  EXPECT_EQ(X509_check_ip_asc(c, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(c, "::1", 0), 1);
  EXPECT_NE(X509_check_ip_asc(c, "127.0.0.2", 0), 1);
  EXPECT_EQ(X509_check_ca(c), 0);
  EXPECT_EQ(X509_get_key_usage(c), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(c), static_cast<uint32_t>(XKU_SSL_SERVER));
  EXPECT_NE(X509_get0_authority_key_id(c), nullptr);
  EXPECT_NE(X509_get0_subject_key_id(c), nullptr);
  EXPECT_EQ(EVP_PKEY_get_id(X509_get0_pubkey(c)), EVP_PKEY_EC);
  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(c), NID_commonName, cn, sizeof(cn));
  EXPECT_STREQ(cn, "*.vault.localhost");
}

TEST(CertificateAuthority, LeafKeysAndSerialsAreFresh) {
  TempDir tmp;
  const auto ca = CertificateAuthority::load_or_create(tmp.path(), fixed_now());
  const IssuedCert a = ca.issue({"localhost"}, fixed_now());
  const IssuedCert b = ca.issue({"localhost"}, fixed_now());
  EXPECT_NE(a.key_pem, b.key_pem);
  X509Ptr ca_cert = testing::cert_from_pem(a.cert_pem);
  X509Ptr cb_cert = testing::cert_from_pem(b.cert_pem);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(ca_cert.get()),
                             X509_get0_serialNumber(cb_cert.get())),
            0);
  EXPECT_NE(a.key_pem.find("BEGIN PRIVATE KEY"), std::string::npos);
}

TEST(CertificateAuthority, LongFirstNameMovesToCriticalSanOnly) {
  TempDir tmp;
  const auto ca = CertificateAuthority::load_or_create(tmp.path(), fixed_now());
  const std::string host = std::string(60, 'a') + ".example.test";  // 73 characters
  const IssuedCert leaf = ca.issue({host}, fixed_now());
  EXPECT_EQ(testing::verify_strict(ca.cert_pem(), leaf.cert_pem, kNowSeconds), X509_V_OK);
  X509Ptr cert = testing::cert_from_pem(leaf.cert_pem);
  EXPECT_EQ(X509_NAME_entry_count(X509_get_subject_name(cert.get())), 0);
  EXPECT_EQ(X509_check_host(cert.get(), host.c_str(), host.size(), 0, nullptr), 1);
}

TEST(CertificateAuthority, RefusesUnusableNames) {
  TempDir tmp;
  const auto ca = CertificateAuthority::load_or_create(tmp.path(), fixed_now());
  EXPECT_THROW(ca.issue({}, fixed_now()), std::invalid_argument);
  for (const char* bad : {"", "bad name", "a..b", "*.*.test", "foo.*.test", "x,DNS:evil.test"}) {
    EXPECT_THROW(ca.issue({bad}, fixed_now()), std::invalid_argument) << bad;
  }
}

TEST(CertificateAuthority, OpensslCliVerifiesStrictly) {
  TempDir tmp;
  const auto ca = CertificateAuthority::load_or_create(tmp.path(), fixed_now());
  testing::write_text(tmp.path() / "leaf.pem", ca.issue(kNames, fixed_now()).cert_pem);
  const std::string command =
      "openssl verify -x509_strict -purpose sslserver -attime " + std::to_string(kNowSeconds) +
      " -verify_hostname myvault.vault.azure.net -CAfile '" + ca.cert_path().string() + "' '" +
      (tmp.path() / "leaf.pem").string() + "' > '" + (tmp.path() / "out.txt").string() + "' 2>&1";
  const int status = std::system(command.c_str());
  const std::string output = testing::read_text(tmp.path() / "out.txt");
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find(": OK"), std::string::npos) << output;
}

}  // namespace
}  // namespace kmslab::core::tls
