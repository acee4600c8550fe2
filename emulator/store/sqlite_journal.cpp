#include "emulator/store/sqlite_journal.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <system_error>

namespace kmslab::store {
namespace {

constexpr int64_t kSchemaVersion = 1;

// Keys and values are BLOBs: etcd keys are arbitrary bytes, and BLOB order is std::string order.
constexpr const char* kSchema = R"sql(
  CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS kvs (
    key BLOB PRIMARY KEY, value BLOB NOT NULL, create_revision INTEGER NOT NULL,
    mod_revision INTEGER NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS events (
    revision INTEGER NOT NULL, seq INTEGER NOT NULL, type INTEGER NOT NULL, key BLOB NOT NULL,
    value BLOB NOT NULL, create_revision INTEGER NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (revision, seq)) WITHOUT ROWID;
  INSERT OR IGNORE INTO meta VALUES ('revision', 0), ('compact_revision', 0);
)sql";

// Validated before SQLite sees the path, so that the error says what is actually wrong.
std::string prepare_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw StoreError("store '" + path + "': is a directory");
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::create_directories(parent, ec) && ec) {
    throw StoreError("store '" + path + "': cannot create directory '" + parent.string() +
                     "': " + ec.message());
  }
  return path;
}

int64_t single_int(SqliteDb& db, const char* sql) {
  SqliteStmt stmt(db, sql);
  return stmt.step() ? stmt.column_int64(0) : 0;
}

}  // namespace

struct SqliteJournal::Statements {
  explicit Statements(SqliteDb& db)
      : get_meta(db, "SELECT value FROM meta WHERE name = ?"),
        set_meta(db, "UPDATE meta SET value = ?2 WHERE name = ?1"),
        put_kv(db,
               "INSERT OR REPLACE INTO kvs (key, value, create_revision, mod_revision, version) "
               "VALUES (?, ?, ?, ?, ?)"),
        delete_kv(db, "DELETE FROM kvs WHERE key = ?"),
        insert_event(db,
                     "INSERT INTO events (revision, seq, type, key, value, create_revision, "
                     "version) VALUES (?, ?, ?, ?, ?, ?, ?)"),
        drop_events(db, "DELETE FROM events WHERE revision < ?"),
        all_kvs(db, "SELECT key, value, create_revision, mod_revision, version FROM kvs"),
        all_events(db,
                   "SELECT revision, type, key, value, create_revision, version FROM events "
                   "ORDER BY revision, seq") {}

  SqliteStmt get_meta, set_meta, put_kv, delete_kv, insert_event, drop_events, all_kvs, all_events;
};

SqliteJournal::SqliteJournal(const std::string& path, SqliteOptions options)
    : db_(prepare_path(path)) {
  configure(options);
  create_schema();
  stmts_ = std::make_unique<Statements>(db_);
}

SqliteJournal::~SqliteJournal() = default;

void SqliteJournal::configure(const SqliteOptions& options) {
  if (sqlite3_db_readonly(db_.handle(), "main") == 1) {
    throw StoreError("store '" + db_.path() + "': the file is read-only");
  }
  sqlite3_busy_timeout(db_.handle(), 2000);  // lets a restarted process outwait its predecessor
  probe();
  // Exclusive before WAL: the lock is held for the connection's life and WAL needs no shm file.
  db_.exec("PRAGMA locking_mode = EXCLUSIVE");
  SqliteStmt wal(db_, "PRAGMA journal_mode = WAL");
  if (!wal.step() || wal.column_text(0) != "wal") db_.fail("cannot switch to WAL mode");
  db_.exec(options.sync == SqliteOptions::Sync::kFull ? "PRAGMA synchronous = FULL"
                                                      : "PRAGMA synchronous = NORMAL");
  if (options.max_page_count > 0) {
    std::string pragma = "PRAGMA max_page_count = " + std::to_string(options.max_page_count);
    SqliteStmt(db_, pragma.c_str()).run();
  }
}

// The first read tells apart the usual reasons why an existing file cannot be opened as a store.
void SqliteJournal::probe() {
  int rc =
      sqlite3_exec(db_.handle(), "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  if ((rc & 0xff) == SQLITE_NOTADB) {
    throw StoreError("store '" + db_.path() + "': the file is not a SQLite database");
  }
  if ((rc & 0xff) == SQLITE_BUSY) {
    throw StoreError("store '" + db_.path() + "': in use by another store (database is locked)");
  }
  if (rc != SQLITE_OK) db_.fail("cannot read");
}

void SqliteJournal::create_schema() {
  SqliteTransaction tx(db_);
  bool empty = single_int(db_, "SELECT count(*) FROM sqlite_master") == 0;
  if (!empty && single_int(db_, "SELECT count(*) FROM sqlite_master WHERE name = 'meta'") == 0) {
    throw StoreError("store '" + db_.path() + "': a SQLite database but not a kmslab store");
  }
  db_.exec(kSchema);
  SqliteStmt(db_, "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)")
      .bind(1, kSchemaVersion)
      .run();
  int64_t found = single_int(db_, "SELECT value FROM meta WHERE name = 'schema_version'");
  if (found != kSchemaVersion) {
    throw StoreError("store '" + db_.path() + "': schema version " + std::to_string(found) +
                     ", this build reads version " + std::to_string(kSchemaVersion));
  }
  tx.commit();
}

StoreState SqliteJournal::load() {
  StoreState state = read_state();
  if (std::string problem = check_invariants(state); !problem.empty()) {
    throw StoreError("store '" + db_.path() + "' is inconsistent: " + problem);
  }
  compact_revision_ = state.compact_revision;
  return state;
}

StoreState SqliteJournal::read_state() {
  StoreState state;
  auto meta = [&](const char* name) {
    SqliteStmt& get = stmts_->get_meta.reset().bind_text(1, name);
    if (!get.step()) throw StoreError("store '" + db_.path() + "': no " + name + " in meta");
    const int64_t value = get.column_int64(0);
    // A statement left on a row keeps its read transaction open, and with it the WAL: no
    // checkpoint could ever pass it and the WAL file would grow without bound.
    get.reset();
    return value;
  };
  state.revision = meta("revision");
  state.compact_revision = meta("compact_revision");
  for (SqliteStmt& kvs = stmts_->all_kvs.reset(); kvs.step();) {
    KeyValue kv{kvs.column_blob(0), kvs.column_blob(1), kvs.column_int64(2), kvs.column_int64(3),
                kvs.column_int64(4)};
    state.kvs.emplace(kv.key, std::move(kv));
  }
  for (SqliteStmt& events = stmts_->all_events.reset(); events.step();) {
    auto type = events.column_int64(1) == 0 ? Event::Type::kPut : Event::Type::kDelete;
    KeyValue kv{events.column_blob(2), events.column_blob(3), events.column_int64(4),
                events.column_int64(0), events.column_int64(5)};
    state.history.push_back({type, std::move(kv)});
  }
  return state;
}

void SqliteJournal::commit(int64_t revision, const std::vector<Event>& events,
                           int64_t compact_revision) {
  try {
    SqliteTransaction tx(db_);
    for (size_t i = 0; i < events.size(); ++i) write_event(events[i], static_cast<int64_t>(i));
    stmts_->set_meta.reset().bind_text(1, "revision").bind(2, revision).run();
    if (compact_revision != compact_revision_) set_compact_revision(compact_revision);
    tx.commit();
  } catch (const StoreError& e) {
    throw StoreError("cannot commit revision " + std::to_string(revision) + ": " + e.what());
  }
  compact_revision_ = compact_revision;
}

void SqliteJournal::write_event(const Event& e, int64_t seq) {
  const KeyValue& kv = e.kv;
  if (e.type == Event::Type::kPut) {
    stmts_->put_kv.reset().bind(1, kv.key).bind(2, kv.value).bind(3, kv.create_revision);
    stmts_->put_kv.bind(4, kv.mod_revision).bind(5, kv.version).run();
  } else {
    stmts_->delete_kv.reset().bind(1, kv.key).run();
  }
  SqliteStmt& insert = stmts_->insert_event.reset();
  insert.bind(1, kv.mod_revision).bind(2, seq).bind(3, e.type == Event::Type::kPut ? 0 : 1);
  insert.bind(4, kv.key).bind(5, kv.value).bind(6, kv.create_revision).bind(7, kv.version).run();
}

void SqliteJournal::set_compact_revision(int64_t revision) {
  stmts_->drop_events.reset().bind(1, revision).run();
  stmts_->set_meta.reset().bind_text(1, "compact_revision").bind(2, revision).run();
}

void SqliteJournal::compact(int64_t revision) {
  try {
    SqliteTransaction tx(db_);
    set_compact_revision(revision);
    tx.commit();
  } catch (const StoreError& e) {
    throw StoreError("cannot compact at revision " + std::to_string(revision) + ": " + e.what());
  }
  compact_revision_ = revision;
}

std::string SqliteJournal::check(const StoreState& in_memory) {
  std::string problems;
  for (SqliteStmt check(db_, "PRAGMA integrity_check"); check.step();) {
    if (std::string row = check.column_text(0); row != "ok") problems += row + "; ";
  }
  if (!problems.empty()) return "store '" + db_.path() + "' integrity_check: " + problems;
  StoreState persisted = read_state();
  if (std::string problem = check_invariants(persisted); !problem.empty()) {
    return "store '" + db_.path() + "' persisted state: " + problem;
  }
  if (std::string problem = diff_states(persisted, in_memory); !problem.empty()) {
    return "store '" + db_.path() + "': " + problem;
  }
  return {};
}

}  // namespace kmslab::store
