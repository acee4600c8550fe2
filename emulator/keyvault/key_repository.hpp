#pragma once
// Keys in the store. Layout (names lower-cased, since Key Vault names are case-insensitive):
//   /kv/{vault}/key/{name}            KeyMeta: current version, deleted state, rotation policy
//   /kv/{vault}/ver/{name}/{version}  KeyVersion: material, attributes, ops, tags
// Every change to a key is one store transaction, so a crash leaves it whole or untouched.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/keyvault/key_record.hpp"
#include "emulator/keyvault/parsed_cache.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::keyvault {

/// A key write to a vault purged since the request found it: nothing was written (the request
/// answers as for a vault that does not exist).
class VaultGone : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class KeyRepository {
 public:
  explicit KeyRepository(store::Store& store) : store_(store) {}

  std::optional<KeyMeta> meta(const std::string& vault, const std::string& name) const;
  /// `version` empty = the current version.
  std::optional<KeyVersion> version(const std::string& vault, const std::string& name,
                                    const std::string& version) const;
  /// The same, shared and not copied (the hot paths: GET key, cryptographic operations).
  std::shared_ptr<const KeyVersion> shared_version(const std::string& vault,
                                                   const std::string& name,
                                                   const std::string& version) const;
  std::shared_ptr<const KeyMeta> shared_meta(const std::string& vault,
                                             const std::string& name) const;
  /// Every version, sorted by version id (the order Key Vault lists them in).
  std::vector<KeyVersion> versions(const std::string& vault, const std::string& name) const;

  struct Page {
    std::vector<KeyMeta> metas;
    std::string next_after;  // lower-cased name to continue after; empty when done
  };
  /// Keys (deleted = false) or deleted keys (true) in name order, after `after`.
  Page list(const std::string& vault, bool deleted, size_t max, const std::string& after) const;
  /// (vault, meta) of every key of every vault, for re-arming timers at start.
  std::vector<std::pair<std::string, KeyMeta>> all_metas() const;

  /// Writes the meta and (optionally) new or changed versions in one transaction, which holds
  /// only while the vault's record exists: throws VaultGone (and writes nothing) when an ARM purge
  /// removed it, so no key outlives its vault to reappear when the name is reused.
  void save(const std::string& vault, const KeyMeta& meta,
            const std::vector<KeyVersion>& versions = {});
  /// Removes the key and all its versions.
  void purge(const std::string& vault, const std::string& name);

 private:
  static std::string meta_key(const std::string& vault, const std::string& name);
  static std::string version_prefix(const std::string& vault, const std::string& name);

  static constexpr size_t kCacheSize = 1024;  // entries per cache, like the material cache
  store::Store& store_;
  mutable ParsedCache<KeyMeta> metas_{kCacheSize};
  mutable ParsedCache<KeyVersion> versions_{kCacheSize};
};

}  // namespace kmslab::keyvault
