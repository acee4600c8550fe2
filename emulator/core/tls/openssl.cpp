#include "emulator/core/tls/openssl.hpp"

#include <array>

#include <openssl/err.h>
#include <openssl/pem.h>

namespace kmslab::core::tls {
namespace {

BioPtr memory_bio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) throw openssl_error("BIO_new");
  return bio;
}

BioPtr read_only_bio(std::string_view text) {
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) throw openssl_error("BIO_new_mem_buf");
  return bio;
}

// Never prompt on the terminal for a passphrase: an encrypted key is simply refused.
int no_passphrase(char*, int, int, void*) {
  return -1;
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

std::string drain_openssl_errors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    if (!out.empty()) out += "; ";
    out += buf.data();
  }
  return out;
}

std::runtime_error openssl_error(std::string_view what) {
  std::string detail = drain_openssl_errors();
  if (detail.empty()) detail = "no OpenSSL error reported";
  return std::runtime_error(std::string(what) + ": " + detail);
}

std::string to_pem(X509* cert) {
  BioPtr bio = memory_bio();
  if (PEM_write_bio_X509(bio.get(), cert) != 1) throw openssl_error("PEM_write_bio_X509");
  return bio_contents(bio.get());
}

std::string to_pem(EVP_PKEY* key) {
  BioPtr bio = memory_bio();
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw openssl_error("PEM_write_bio_PrivateKey");
  }
  return bio_contents(bio.get());
}

X509Ptr parse_cert_pem(std::string_view pem) {
  BioPtr bio = read_only_bio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
  if (!cert) drain_openssl_errors();
  return cert;
}

EvpPkeyPtr parse_key_pem(std::string_view pem) {
  BioPtr bio = read_only_bio(pem);
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) drain_openssl_errors();
  return key;
}

}  // namespace kmslab::core::tls
