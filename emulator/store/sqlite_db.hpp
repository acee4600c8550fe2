#pragma once
// Thin RAII wrappers over the SQLite C API that turn every failure into a StoreError naming the
// database file and SQLite's reason.
#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace kmslab::store {

class SqliteDb {
 public:
  /// Opens (creating if needed) the database file read-write.
  explicit SqliteDb(std::string path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  void exec(const char* sql);
  /// Throws StoreError("store 'PATH': <what>: <SQLite's message>").
  [[noreturn]] void fail(const std::string& what) const;
  bool in_transaction() const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

class SqliteStmt {
 public:
  SqliteStmt(SqliteDb& db, const char* sql);
  ~SqliteStmt();
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  /// Readies the statement for a new execution; every use starts here.
  SqliteStmt& reset();
  /// Binds by 1-based index. Blobs are not copied: they must outlive the execution.
  SqliteStmt& bind(int index, int64_t value);
  SqliteStmt& bind(int index, std::string_view blob);
  SqliteStmt& bind_text(int index, std::string_view text);
  /// Advances; true when a row is available, false when done.
  bool step();
  /// Executes a statement that returns no rows.
  void run();

  int64_t column_int64(int column) const;
  std::string column_blob(int column) const;
  std::string column_text(int column) const;

 private:
  SqliteDb& db_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// BEGIN IMMEDIATE on construction; rolls back on destruction unless committed.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  void commit();

 private:
  SqliteDb& db_;
  bool committed_ = false;
};

}  // namespace kmslab::store
