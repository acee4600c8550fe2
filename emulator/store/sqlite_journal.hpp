#pragma once
// The durable Journal: one SQLite database in WAL mode holding the current state (kvs), the watch
// history (events) and the revisions (meta), each store transaction one SQLite transaction.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emulator/store/journal.hpp"
#include "emulator/store/sqlite_db.hpp"

namespace kmslab::store {

struct SqliteOptions {
  // NORMAL survives a crash of the process (the WAL is in the OS page cache); FULL also survives
  // a power loss or kernel crash, at the cost of an fsync per transaction.
  enum class Sync { kNormal, kFull };
  Sync sync = Sync::kNormal;
  // A cap on the database size in pages (0 = none): bounds disk use, and lets tests provoke
  // SQLITE_FULL without filling a disk.
  int64_t max_page_count = 0;
};

class SqliteJournal final : public Journal {
 public:
  /// Opens or creates the database at `path`, creating its parent directory if missing. The file
  /// stays locked while open, so two stores can never diverge on one file. Throws StoreError
  /// naming the path and the reason (unwritable, not a database, in use, unknown schema).
  explicit SqliteJournal(const std::string& path, SqliteOptions options = {});
  ~SqliteJournal() override;

  StoreState load() override;
  void commit(int64_t revision, const std::vector<Event>& events,
              int64_t compact_revision) override;
  void compact(int64_t revision) override;
  std::string check(const StoreState& in_memory) override;

 private:
  struct Statements;

  void configure(const SqliteOptions& options);
  void probe();
  void create_schema();
  StoreState read_state();
  void write_event(const Event& event, int64_t seq);
  void set_compact_revision(int64_t revision);

  SqliteDb db_;
  std::unique_ptr<Statements> stmts_;  // declared after db_: finalized before it closes
  int64_t compact_revision_ = 0;       // as persisted, so commits rewrite it only when it moves
};

}  // namespace kmslab::store
