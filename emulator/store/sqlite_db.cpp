#include "emulator/store/sqlite_db.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "emulator/store/store.hpp"

namespace kmslab::store {

namespace {

// The store holds every private key: owner-only whatever the umask. SQLite gives the -wal,
// -shm and -journal files it creates the main file's mode (unixOpen's findCreateFileMode), so
// the main file is created 0600 before SQLite opens it, and an older, looser file is tightened
// along with any companions it already has.
void make_owner_only(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) return;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw StoreError("store '" + path + "': cannot open: " + std::strerror(errno));
  }
  const int rc = ::fchmod(fd, 0600);
  const int err = errno;
  ::close(fd);
  if (rc != 0)
    throw StoreError("store '" + path + "': cannot make it owner-only: " + std::strerror(err));
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    const std::string companion = path + suffix;
    if (::chmod(companion.c_str(), 0600) != 0 && errno != ENOENT) {
      throw StoreError("store '" + companion +
                       "': cannot make it owner-only: " + std::strerror(errno));
    }
  }
}

}  // namespace

SqliteDb::SqliteDb(std::string path) : path_(std::move(path)) {
  make_owner_only(path_);
  // NOMUTEX: LocalStore serializes every call, so SQLite's own locking would only cost time.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string reason = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw StoreError("store '" + path_ + "': cannot open: " + reason);
  }
  sqlite3_extended_result_codes(db_, 1);
}

SqliteDb::~SqliteDb() {
  sqlite3_close_v2(db_);
}

void SqliteDb::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail(std::string("cannot run '") + sql + "'");
  }
}

void SqliteDb::fail(const std::string& what) const {
  throw StoreError("store '" + path_ + "': " + what + ": " + sqlite3_errmsg(db_));
}

bool SqliteDb::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

SqliteStmt::SqliteStmt(SqliteDb& db, const char* sql) : db_(db), sql_(sql) {
  if (sqlite3_prepare_v2(db_.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK) {
    db_.fail("cannot prepare '" + sql_ + "'");
  }
}

SqliteStmt::~SqliteStmt() {
  sqlite3_finalize(stmt_);
}

SqliteStmt& SqliteStmt::reset() {
  sqlite3_reset(stmt_);  // its code repeats the last step's, already reported there
  sqlite3_clear_bindings(stmt_);
  return *this;
}

SqliteStmt& SqliteStmt::bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) db_.fail("cannot bind '" + sql_ + "'");
  return *this;
}

SqliteStmt& SqliteStmt::bind(int index, std::string_view blob) {
  // A non-null pointer even for an empty blob, so that it binds as a blob and not as NULL.
  static const char kEmpty = 0;
  const char* data = blob.empty() ? &kEmpty : blob.data();
  if (sqlite3_bind_blob64(stmt_, index, data, blob.size(), SQLITE_STATIC) != SQLITE_OK) {
    db_.fail("cannot bind '" + sql_ + "'");
  }
  return *this;
}

SqliteStmt& SqliteStmt::bind_text(int index, std::string_view text) {
  if (sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8) !=
      SQLITE_OK) {
    db_.fail("cannot bind '" + sql_ + "'");
  }
  return *this;
}

bool SqliteStmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string what = "cannot run '" + sql_ + "'";
  std::string reason = sqlite3_errmsg(db_.handle());
  sqlite3_reset(stmt_);
  throw StoreError("store '" + db_.path() + "': " + what + ": " + reason);
}

void SqliteStmt::run() {
  while (step()) {
  }
}

int64_t SqliteStmt::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string SqliteStmt::column_blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  return data ? std::string(static_cast<const char*>(data), size) : std::string();
}

std::string SqliteStmt::column_text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  return text ? std::string(reinterpret_cast<const char*>(text)) : std::string();
}

SqliteTransaction::SqliteTransaction(SqliteDb& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

SqliteTransaction::~SqliteTransaction() {
  // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL).
  if (!committed_ && db_.in_transaction()) {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void SqliteTransaction::commit() {
  db_.exec("COMMIT");
  committed_ = true;
}

}  // namespace kmslab::store
