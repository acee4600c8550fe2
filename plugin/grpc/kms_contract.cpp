#include "plugin/grpc/kms_contract.hpp"

#include "plugin/keyvault/key_id.hpp"

namespace kmslab::plugin {
namespace {

constexpr const char* kRsa15 = "RSA1_5";
constexpr const char* kRsaOaep256 = "RSA-OAEP-256";
constexpr const char* kEncryptionResponseVersion = "1";

bool base64url_text(const std::string& s) {
  for (unsigned char c : s) {
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
  }
  return true;
}

}  // namespace

KmsContract::KmsContract(KeyVaultClient& vault, std::string build_version)
    : vault_(vault),
      key_id_(key_id_hash(vault.target().vault_url, vault.target().key_name,
                          vault.target().key_version)),
      build_version_(std::move(build_version)) {}

bool KmsContract::encrypt(const std::string& plain, const std::string& alg,
                          core::client::Deadline d, EncryptResult& out, KmsError& error) {
  try {
    out = vault_.encrypt(plain, alg, d);
  } catch (const KeyVaultError& e) {
    error = {std::string("failed to encrypt, error: ") + e.what()};
    return false;
  }
  if (sha256_hex(out.kid) != key_id_) {
    error = {
        "key id initialized does not match with the key id from encryption result, expected: " +
        key_id_ + ", got: " + out.kid};
    return false;
  }
  return true;
}

std::string KmsContract::decrypt(const std::string& cipher, const std::string& alg,
                                 core::client::Deadline d, KmsError& error) {
  // Key Vault ciphertext is base64url text: anything else cannot decrypt, so no call is spent on
  // it (upstream has no such check: InvalidArgument, as the issue asks).
  if (!base64url_text(cipher)) {
    error = {"invalid ciphertext: not the base64url text Key Vault returns", true};
    return {};
  }
  try {
    return vault_.decrypt(cipher, alg, d);
  } catch (const KeyVaultError& e) {
    error = {std::string("failed to decrypt, error: ") + e.what()};
    return {};
  }
}

std::string KmsContract::v1_encrypt(const std::string& plain, core::client::Deadline d,
                                    KmsError& error) {
  EncryptResult r;
  return encrypt(plain, kRsa15, d, r, error) ? r.ciphertext : std::string();
}

std::string KmsContract::v1_decrypt(const std::string& cipher, core::client::Deadline d,
                                    KmsError& error) {
  return decrypt(cipher, kRsa15, d, error);
}

V2Encrypted KmsContract::v2_encrypt(const std::string& plain, core::client::Deadline d,
                                    KmsError& error) {
  EncryptResult r;
  if (!encrypt(plain, kRsaOaep256, d, r, error)) return {};
  return {r.ciphertext,
          key_id_,
          {{"date.azure.akv.io", r.date},
           {"x-ms-request-id.azure.akv.io", r.request_id},
           {"x-ms-keyvault-region.azure.akv.io", r.region},
           {"version.azure.akv.io", kEncryptionResponseVersion},
           {"algorithm.azure.akv.io", kRsaOaep256}}};
}

std::string validate_annotations(const Annotations& annotations, const std::string& key_id,
                                 const std::string& expected_key_id, const std::string& algorithm) {
  if (annotations.empty()) return "invalid annotations, annotations cannot be empty";
  if (key_id != expected_key_id) {
    return "key id " + key_id + " does not match expected key id " + expected_key_id +
           " used for encryption";
  }
  auto value = [&](const char* k) {
    auto it = annotations.find(k);
    return it == annotations.end() ? std::string() : it->second;
  };
  if (value("algorithm.azure.akv.io") != algorithm) {
    return "algorithm " + value("algorithm.azure.akv.io") + " does not match expected algorithm " +
           algorithm + " used for encryption";
  }
  if (value("version.azure.akv.io") != kEncryptionResponseVersion) {
    return "version " + value("version.azure.akv.io") + " does not match expected version " +
           kEncryptionResponseVersion + " used for encryption";
  }
  return {};
}

std::string KmsContract::v2_decrypt(const std::string& cipher, const std::string& key_id,
                                    const Annotations& annotations, core::client::Deadline d,
                                    KmsError& error) {
  if (auto problem = validate_annotations(annotations, key_id, key_id_, kRsaOaep256);
      !problem.empty()) {
    error = {problem};
    return {};
  }
  return decrypt(cipher, kRsaOaep256, d, error);
}

bool KmsContract::v2_status(core::client::Deadline d, KmsError& error) {
  V2Encrypted enc = v2_encrypt(kHealthCheckPlaintext, d, error);
  if (!error.message.empty()) return false;
  std::string plain = v2_decrypt(enc.ciphertext, enc.key_id, enc.annotations, d, error);
  if (!error.message.empty()) return false;
  if (plain != kHealthCheckPlaintext) {
    error = {"decrypted text does not match"};
    return false;
  }
  return true;
}

}  // namespace kmslab::plugin
