#pragma once
// Key Vault encrypt/decrypt as upstream calls them (pkg/plugin/keyvault.go, api-version
// 2016-10-01, reference §7.3): POST {vault}keys/{name}/{version}/encrypt|decrypt with
// {"alg","value"}; a token fetched before the call (no challenge probe); a 401 refreshes the
// token once and retries. Failures carry go-autorest's text (autorest_error.hpp).
#include <map>
#include <stdexcept>
#include <string>

#include "emulator/core/client/http_client.hpp"
#include "plugin/auth/token_source.hpp"

namespace kmslab::plugin {

class KeyVaultError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct KeyVaultTarget {
  std::string vault_url;  // "https://<vault>.<suffix>/" (not proxied): the key_id is its hash
  std::string key_name;
  std::string key_version;
  std::string request_base;  // what requests go to: vault_url, or the proxy-mode URL
  bool proxy_mode = false;   // adds x-azure-proxy-target: KeyVault
};

struct EncryptResult {
  std::string ciphertext;  // Key Vault's base64url text, verbatim
  std::string kid;
  std::string date, request_id, region;  // response headers for the v2 annotations
};

/// A 200 answer's fields (the parsers behind encrypt and decrypt, fuzzed on their own). A body
/// without a string "value" (or, for encrypt, "kid") throws KeyVaultError: upstream dereferences
/// the SDK's nil pointer there and panics, so the words are ours, in go-autorest's form.
EncryptResult parse_encrypt_response(const core::client::Response& r);
/// The plaintext bytes of a decrypt answer; undecodable base64url throws upstream's words.
std::string parse_decrypt_response(const core::client::Response& r);

class KeyVaultClient {
 public:
  static constexpr const char* kApiVersion = "2016-10-01";

  KeyVaultClient(KeyVaultTarget target, TokenSource& tokens, core::client::HttpClient& http);

  EncryptResult encrypt(const std::string& plaintext, const std::string& algorithm,
                        core::client::Deadline deadline);
  /// `ciphertext` is the base64url text encrypt returned. Returns the plaintext bytes.
  std::string decrypt(const std::string& ciphertext, const std::string& algorithm,
                      core::client::Deadline deadline);
  const KeyVaultTarget& target() const { return target_; }

 private:
  core::client::Response call(const std::string& op, const std::string& method,
                              const std::string& body, core::client::Deadline deadline);

  KeyVaultTarget target_;
  TokenSource& tokens_;
  core::client::HttpClient& http_;
};

}  // namespace kmslab::plugin
