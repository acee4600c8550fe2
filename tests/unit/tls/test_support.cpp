#include "tests/unit/tls/test_support.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <stdlib.h>

namespace kmslab::core::tls::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "kmslab-tls-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

X509Ptr cert_from_pem(const std::string& pem) {
  X509Ptr cert = parse_cert_pem(pem);
  if (!cert) throw std::runtime_error("not a PEM certificate");
  return cert;
}

int verify_strict(const std::string& ca_pem, const std::string& leaf_pem, std::time_t at) {
  X509Ptr ca = cert_from_pem(ca_pem);
  X509Ptr leaf = cert_from_pem(leaf_pem);
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr) != 1) {
    throw openssl_error("verify setup");
  }
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_X509_STRICT);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  X509_STORE_CTX_set_time(ctx.get(), 0, at);
  X509_verify_cert(ctx.get());
  drain_openssl_errors();
  return X509_STORE_CTX_get_error(ctx.get());
}

}  // namespace kmslab::core::tls::testing
