#include "emulator/core/tls/ca.hpp"

#include <stdexcept>
#include <system_error>
#include <utility>

#include "emulator/core/files.hpp"
#include "emulator/core/tls/names.hpp"
#include "emulator/core/tls/x509.hpp"

namespace kmslab::core::tls {
namespace {

constexpr long kCaDays = 3650;
// The CA/Browser Forum limit; Apple clients refuse server certificates valid for longer.
constexpr long kLeafDays = 397;
// ub-common-name: a longer first name stays out of the subject and lives in the SAN only.
constexpr std::size_t kMaxCommonName = 64;

std::runtime_error bad_ca_file(const std::filesystem::path& file, std::string_view problem) {
  const std::filesystem::path dir = file.parent_path();
  return std::runtime_error(
      file.string() + " " + std::string(problem) + "; delete " +
      (dir / CertificateAuthority::kCertFile).string() + " and " +
      (dir / CertificateAuthority::kKeyFile).string() +
      " to let kmslab create a new CA (clients must then trust the new ca.pem)");
}

// Copies share the immutable OpenSSL objects by reference count.
X509Ptr share(X509* cert) {
  X509_up_ref(cert);
  return X509Ptr(cert);
}

EvpPkeyPtr share(EVP_PKEY* key) {
  EVP_PKEY_up_ref(key);
  return EvpPkeyPtr(key);
}

void set_issuer(X509* cert, X509* issuer) {
  if (X509_set_issuer_name(cert, X509_get_subject_name(issuer)) != 1) {
    throw openssl_error("X509_set_issuer_name");
  }
}

X509Ptr make_ca_cert(EVP_PKEY* key, std::chrono::system_clock::time_point now) {
  X509Ptr cert = new_v3_certificate(key);
  X509* c = cert.get();
  set_validity(c, now, kCaDays);
  set_subject(c, {{"O", "kmslab"}, {"CN", "kmslab local CA"}});
  set_issuer(c, c);
  // Strict verifiers (Python 3.13+, OpenSSL X509_STRICT) want a critical basicConstraints, a
  // keyUsage and a subjectKeyIdentifier on every CA.
  add_extension(c, c, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(c, c, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(c, c, NID_subject_key_identifier, "hash");
  add_extension(c, c, NID_authority_key_identifier, "keyid:always");
  sign_sha256(c, key);
  return cert;
}

void validate_names(const std::vector<std::string>& names) {
  if (names.empty()) throw std::invalid_argument("a certificate needs at least one name");
  for (const std::string& name : names) {
    if (!is_ip_literal(name) && !is_valid_dns_name(name) && !is_valid_wildcard_name(name)) {
      throw std::invalid_argument("cannot issue a certificate for '" + name + "'");
    }
  }
}

}  // namespace

CertificateAuthority::CertificateAuthority(std::filesystem::path cert_path, X509Ptr cert,
                                           EvpPkeyPtr key)
    : cert_path_(std::move(cert_path)),
      cert_(std::move(cert)),
      key_(std::move(key)),
      cert_pem_(to_pem(cert_.get())) {
  // Fills OpenSSL's lazily computed extension cache now, so concurrent issue() calls only read.
  X509_check_ca(cert_.get());
}

CertificateAuthority::CertificateAuthority(const CertificateAuthority& other)
    : cert_path_(other.cert_path_),
      cert_(share(other.cert_.get())),
      key_(share(other.key_.get())),
      cert_pem_(other.cert_pem_) {}

CertificateAuthority& CertificateAuthority::operator=(const CertificateAuthority& other) {
  if (this != &other) *this = CertificateAuthority(other);
  return *this;
}

CertificateAuthority CertificateAuthority::load_or_create(const std::filesystem::path& dir,
                                                          time_point now) {
  std::error_code ec;
  const bool have_cert = std::filesystem::exists(dir / kCertFile, ec);
  const bool have_key = std::filesystem::exists(dir / kKeyFile, ec);
  return have_cert && have_key ? load(dir) : create(dir, now);
}

CertificateAuthority CertificateAuthority::load(const std::filesystem::path& dir) {
  const std::filesystem::path cert_path = dir / kCertFile;
  const std::filesystem::path key_path = dir / kKeyFile;
  X509Ptr cert = parse_cert_pem(read_file(cert_path));
  if (!cert) throw bad_ca_file(cert_path, "is not a PEM certificate");
  if (X509_check_ca(cert.get()) != 1) throw bad_ca_file(cert_path, "is not a CA certificate");
  EvpPkeyPtr key = parse_key_pem(read_file(key_path));
  if (!key) throw bad_ca_file(key_path, "is not an unencrypted PEM private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    drain_openssl_errors();
    throw bad_ca_file(key_path, "does not match " + cert_path.string());
  }
  return CertificateAuthority(cert_path, std::move(cert), std::move(key));
}

CertificateAuthority CertificateAuthority::create(const std::filesystem::path& dir,
                                                  time_point now) {
  ensure_directory(dir, 0700);
  EvpPkeyPtr key = generate_ec_p256_key();
  X509Ptr cert = make_ca_cert(key.get(), now);
  // Key first: a crash in between leaves a key without a cert, and the next start creates anew.
  write_file_atomic(dir / kKeyFile, to_pem(key.get()), 0600);
  write_file_atomic(dir / kCertFile, to_pem(cert.get()), 0644);
  return CertificateAuthority(dir / kCertFile, std::move(cert), std::move(key));
}

IssuedCert CertificateAuthority::issue(const std::vector<std::string>& names,
                                       time_point now) const {
  validate_names(names);
  EvpPkeyPtr key = generate_ec_p256_key();
  X509Ptr cert = new_v3_certificate(key.get());
  X509* c = cert.get();
  set_validity(c, now, kLeafDays);
  const bool has_cn = names.front().size() <= kMaxCommonName;
  if (has_cn) set_subject(c, {{"CN", names.front()}});
  set_issuer(c, cert_.get());
  add_subject_alt_names(c, names, /*critical=*/!has_cn);
  add_extension(c, cert_.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(c, cert_.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(c, cert_.get(), NID_ext_key_usage, "serverAuth");
  add_extension(c, cert_.get(), NID_subject_key_identifier, "hash");
  add_extension(c, cert_.get(), NID_authority_key_identifier, "keyid:always");
  sign_sha256(c, key_.get());
  return {to_pem(c), to_pem(key.get())};
}

}  // namespace kmslab::core::tls
