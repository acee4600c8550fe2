#pragma once
// The KMS v2 key_id upstream reports: lowercase hex SHA-256 of "<vaultURL>keys/<name>/<version>"
// (reference/kms.md §7.3; upstream getKeyIDHash), and of any kid Key Vault returns.
#include <string>

namespace kmslab::plugin {

std::string sha256_hex(const std::string& text);
/// `vault_url` ends with '/', as vault_url() builds it.
std::string key_id_hash(const std::string& vault_url, const std::string& key_name,
                        const std::string& key_version);

}  // namespace kmslab::plugin
