#include "emulator/keyvault/key_repository.hpp"

#include "emulator/core/router.hpp"
#include "emulator/keyvault/vault.hpp"

namespace kmslab::keyvault {

using core::to_lower;

std::string KeyRepository::meta_key(const std::string& vault, const std::string& name) {
  return "/kv/" + to_lower(vault) + "/key/" + to_lower(name);
}

std::string KeyRepository::version_prefix(const std::string& vault, const std::string& name) {
  return "/kv/" + to_lower(vault) + "/ver/" + to_lower(name) + "/";
}

std::optional<KeyMeta> KeyRepository::meta(const std::string& vault,
                                           const std::string& name) const {
  auto m = shared_meta(vault, name);
  if (!m) return std::nullopt;
  return *m;
}

std::shared_ptr<const KeyMeta> KeyRepository::shared_meta(const std::string& vault,
                                                          const std::string& name) const {
  return metas_.get(store_, meta_key(vault, name));
}

std::optional<KeyVersion> KeyRepository::version(const std::string& vault, const std::string& name,
                                                 const std::string& version) const {
  auto v = shared_version(vault, name, version);
  if (!v) return std::nullopt;
  return *v;
}

std::shared_ptr<const KeyVersion> KeyRepository::shared_version(const std::string& vault,
                                                                const std::string& name,
                                                                const std::string& version) const {
  std::string id = to_lower(version);
  if (id.empty()) {
    auto m = shared_meta(vault, name);
    if (!m) return nullptr;
    id = m->current_version;
  }
  return versions_.get(store_, version_prefix(vault, name) + id);
}

std::vector<KeyVersion> KeyRepository::versions(const std::string& vault,
                                                const std::string& name) const {
  std::vector<KeyVersion> out;
  for (const auto& kv : store_.range(version_prefix(vault, name)).kvs) {
    out.push_back(KeyVersion::from_json(nlohmann::json::parse(kv.value)));
  }
  return out;
}

KeyRepository::Page KeyRepository::list(const std::string& vault, bool deleted, size_t max,
                                        const std::string& after) const {
  const std::string prefix = "/kv/" + to_lower(vault) + "/key/";
  Page page;
  std::string cursor = after.empty() ? "" : prefix + after;
  // Deleted and live keys share the prefix, so read in batches until the page is full.
  for (;;) {
    auto batch = store_.range(prefix, 64, cursor);
    for (const auto& kv : batch.kvs) {
      KeyMeta m = KeyMeta::from_json(nlohmann::json::parse(kv.value));
      if (m.deleted.has_value() != deleted) continue;
      if (page.metas.size() == max) {
        page.next_after = page.metas.empty() ? "" : to_lower(page.metas.back().name);
        return page;
      }
      page.metas.push_back(std::move(m));
    }
    if (!batch.more || batch.kvs.empty()) return page;
    cursor = batch.kvs.back().key;
  }
}

std::vector<std::pair<std::string, KeyMeta>> KeyRepository::all_metas() const {
  std::vector<std::pair<std::string, KeyMeta>> out;
  for (const auto& kv : store_.range("/kv/").kvs) {
    // "/kv/{vault}/key/{name}": vault names cannot contain '/', so the first segment is the vault.
    const size_t slash = kv.key.find('/', 4);
    if (slash == std::string::npos || kv.key.compare(slash, 5, "/key/") != 0) continue;
    out.emplace_back(kv.key.substr(4, slash - 4),
                     KeyMeta::from_json(nlohmann::json::parse(kv.value)));
  }
  return out;
}

void KeyRepository::save(const std::string& vault, const KeyMeta& meta,
                         const std::vector<KeyVersion>& versions) {
  store::Txn txn;
  txn.compares.push_back(
      store::Compare::version(vault_record_key(vault), store::Compare::Op::kGreater, 0));
  txn.success.push_back(store::Op::put(meta_key(vault, meta.name), meta.to_json().dump()));
  for (const auto& v : versions) {
    txn.success.push_back(
        store::Op::put(version_prefix(vault, meta.name) + v.version, v.to_json().dump()));
  }
  if (!store_.txn(txn).succeeded) throw VaultGone("vault '" + vault + "' was purged");
}

void KeyRepository::purge(const std::string& vault, const std::string& name) {
  store_.txn(
      {{},
       {store::Op::del(meta_key(vault, name)), store::Op::del_prefix(version_prefix(vault, name))},
       {}});
}

}  // namespace kmslab::keyvault
