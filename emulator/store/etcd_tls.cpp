#include "emulator/store/etcd_tls.hpp"

#include "emulator/core/files.hpp"
#include "emulator/core/tls/openssl.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::store {
namespace {

std::string read_tls_file(const std::string& path, const char* what) {
  try {
    return core::read_file(path);
  } catch (const std::exception& e) {
    throw StoreError(std::string("etcd TLS: cannot read the ") + what + ": " + e.what());
  }
}

core::tls::X509Ptr first_certificate(const std::string& pem, const std::string& path,
                                     const char* what) {
  auto cert = core::tls::parse_cert_pem(pem);
  if (!cert)
    throw StoreError(std::string("etcd TLS: the ") + what + " " + path +
                     " holds no PEM certificate");
  return cert;
}

}  // namespace

std::shared_ptr<grpc::ChannelCredentials> etcd_channel_credentials(const EtcdOptions& options) {
  if (!options.tls) return grpc::InsecureChannelCredentials();
  const EtcdTls& tls = *options.tls;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    // etcd's transport.TLSInfo refuses half a key pair with this text (pkg/transport/listener.go).
    throw StoreError("etcd TLS: KeyFile and CertFile must both be present[key: " + tls.key_file +
                     ", cert: " + tls.cert_file + "] (--etcd-keyfile, --etcd-certfile)");
  }
  grpc::SslCredentialsOptions ssl;
  if (!tls.ca_file.empty()) {
    ssl.pem_root_certs = read_tls_file(tls.ca_file, "CA file (--etcd-cafile)");
    first_certificate(ssl.pem_root_certs, tls.ca_file, "CA file (--etcd-cafile)");
  }
  if (!tls.cert_file.empty()) {
    ssl.pem_cert_chain = read_tls_file(tls.cert_file, "certificate file (--etcd-certfile)");
    ssl.pem_private_key = read_tls_file(tls.key_file, "key file (--etcd-keyfile)");
    auto cert =
        first_certificate(ssl.pem_cert_chain, tls.cert_file, "certificate file (--etcd-certfile)");
    auto key = core::tls::parse_key_pem(ssl.pem_private_key);
    if (!key)
      throw StoreError("etcd TLS: the key file (--etcd-keyfile) " + tls.key_file +
                       " holds no PEM private key");
    // Go's crypto/tls.X509KeyPair wording for a key that is not the certificate's.
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
      core::tls::drain_openssl_errors();
      throw StoreError("etcd TLS: tls: private key does not match public key (" + tls.cert_file +
                       ", " + tls.key_file + ")");
    }
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace kmslab::store
