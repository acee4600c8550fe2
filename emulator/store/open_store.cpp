#include <string_view>

#include "emulator/store/etcd_options.hpp"
#include "emulator/store/etcd_store.hpp"
#include "emulator/store/local_store.hpp"
#include "emulator/store/sqlite_journal.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::store {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite:";

// "PATH" or "PATH?sync=normal|full".
std::unique_ptr<Store> open_sqlite(const std::string& spec, std::string_view rest) {
  SqliteOptions options;
  std::string path(rest);
  if (size_t q = rest.rfind('?'); q != std::string_view::npos) {
    path = rest.substr(0, q);
    std::string_view query = rest.substr(q + 1);
    if (query == "sync=full") {
      options.sync = SqliteOptions::Sync::kFull;
    } else if (query != "sync=normal") {
      throw StoreError("store '" + spec + "': unknown option '" + std::string(query) +
                       "': expected sync=normal or sync=full");
    }
  }
  if (path.empty()) throw StoreError("store '" + spec + "': expected sqlite:PATH");
  return std::make_unique<LocalStore>(std::make_unique<SqliteJournal>(path, options));
}

}  // namespace

std::unique_ptr<Store> open_store(const std::string& spec) {
  if (spec == "memory") return std::make_unique<LocalStore>();
  if (spec.starts_with(kSqliteScheme)) {
    return open_sqlite(spec, std::string_view(spec).substr(kSqliteScheme.size()));
  }
  if (spec.starts_with("etcd://") || spec.starts_with("etcd+tls://"))
    return std::make_unique<EtcdStore>(parse_etcd_spec(spec));
  throw StoreError(
      "unknown store '" + spec +
      "': expected memory, sqlite:PATH, etcd://host:port[,host:port...] or etcd+tls://...");
}

}  // namespace kmslab::store
