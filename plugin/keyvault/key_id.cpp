#include "plugin/keyvault/key_id.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace kmslab::plugin {

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string key_id_hash(const std::string& vault_url, const std::string& key_name,
                        const std::string& key_version) {
  return sha256_hex(vault_url + "keys/" + key_name + "/" + key_version);
}

}  // namespace kmslab::plugin
