#pragma once
// The emulator's local certificate authority: one long-lived self-signed CA kept on disk (users
// add ca.pem to their trust store once) that issues short-lived leaf certificates for the host
// names clients connect to.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "emulator/core/tls/openssl.hpp"

namespace kmslab::core::tls {

struct IssuedCert {
  std::string cert_pem;
  std::string key_pem;  // PKCS#8, unencrypted
};

class CertificateAuthority {
 public:
  using time_point = std::chrono::system_clock::time_point;

  static constexpr const char* kCertFile = "ca.pem";
  static constexpr const char* kKeyFile = "ca-key.pem";

  // Loads dir/ca.pem + dir/ca-key.pem when both exist, otherwise creates a new CA there (`dir`
  // is created 0700 if missing). Throws std::runtime_error naming the offending path when the
  // directory is unusable or the stored pair is corrupt, mismatched or not a CA.
  // Copies are cheap and share the (immutable) certificate and key.
  CertificateAuthority(const CertificateAuthority& other);
  CertificateAuthority& operator=(const CertificateAuthority& other);
  CertificateAuthority(CertificateAuthority&&) noexcept = default;
  CertificateAuthority& operator=(CertificateAuthority&&) noexcept = default;
  ~CertificateAuthority() = default;

  static CertificateAuthority load_or_create(const std::filesystem::path& dir, time_point now);

  const std::string& cert_pem() const { return cert_pem_; }
  const std::filesystem::path& cert_path() const { return cert_path_; }

  // Safe to call from several threads at once.
  // A fresh P-256 leaf for `names` (DNS names, "*.<domain>" wildcards, IPv4/IPv6 literals), valid
  // from now-1day for 397 days, for TLS server use. Throws std::invalid_argument for an empty list
  // or an unusable name.
  IssuedCert issue(const std::vector<std::string>& names, time_point now) const;

 private:
  CertificateAuthority(std::filesystem::path cert_path, X509Ptr cert, EvpPkeyPtr key);

  static CertificateAuthority load(const std::filesystem::path& dir);
  static CertificateAuthority create(const std::filesystem::path& dir, time_point now);

  std::filesystem::path cert_path_;
  X509Ptr cert_;
  EvpPkeyPtr key_;
  std::string cert_pem_;
};

}  // namespace kmslab::core::tls
