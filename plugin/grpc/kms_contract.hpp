#pragma once
// Upstream's cryptographic contract without the gRPC plumbing (reference/kms.md §7.3-7.4;
// pkg/plugin/server.go, kms_v2_server.go, keyvault.go): v1 RSA1_5, v2 RSA-OAEP-256, ciphertext =
// Key Vault's base64url text, key_id = sha256 hex of the configured key URL, re-checked on every
// Encrypt, the five v2 annotations and Decrypt's checks with upstream's messages.
#include <map>
#include <string>

#include "plugin/keyvault/keyvault_client.hpp"

namespace kmslab::plugin {

inline constexpr const char* kKmsV1ApiVersion = "v1beta1";
inline constexpr const char* kKmsV2ApiVersion = "v2beta1";  // upstream answers v2beta1
inline constexpr const char* kRuntimeName = "Microsoft AzureKMS";
inline constexpr const char* kHealthCheckPlaintext = "healthcheck";

/// A refusal: `invalid_argument` maps to gRPC InvalidArgument, otherwise Unknown (what a plain
/// Go error becomes).
struct KmsError {
  std::string message;
  bool invalid_argument = false;
};

using Annotations = std::map<std::string, std::string>;

struct V2Encrypted {
  std::string ciphertext;
  std::string key_id;
  Annotations annotations;
};

class KmsContract {
 public:
  KmsContract(KeyVaultClient& vault, std::string build_version);

  const std::string& key_id() const { return key_id_; }
  const std::string& build_version() const { return build_version_; }

  // Each returns an error message in `error` (and an empty value) on failure.
  std::string v1_encrypt(const std::string& plain, core::client::Deadline d, KmsError& error);
  std::string v1_decrypt(const std::string& cipher, core::client::Deadline d, KmsError& error);
  V2Encrypted v2_encrypt(const std::string& plain, core::client::Deadline d, KmsError& error);
  std::string v2_decrypt(const std::string& cipher, const std::string& key_id,
                         const Annotations& annotations, core::client::Deadline d, KmsError& error);
  /// The real round trip upstream's Status makes; true when healthy.
  bool v2_status(core::client::Deadline d, KmsError& error);

 private:
  bool encrypt(const std::string& plain, const std::string& alg, core::client::Deadline d,
               EncryptResult& out, KmsError& error);
  std::string decrypt(const std::string& cipher, const std::string& alg, core::client::Deadline d,
                      KmsError& error);

  KeyVaultClient& vault_;
  std::string key_id_;
  std::string build_version_;
};

/// Decrypt's annotation checks (upstream validateAnnotations); empty when they pass.
std::string validate_annotations(const Annotations& annotations, const std::string& key_id,
                                 const std::string& expected_key_id, const std::string& algorithm);

}  // namespace kmslab::plugin
