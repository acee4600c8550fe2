// What only the SQLite backend promises: state survives a restart, and bad files or paths give a
// StoreError naming the problem instead of a crash.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/store/store_test_support.hpp"

namespace kmslab::store::testing {
namespace {

std::string open_error(const std::string& spec) {
  try {
    open_store(spec);
  } catch (const StoreError& e) {
    return e.what();
  }
  return "no error";
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string spec() const { return "sqlite:" + dir_.file("store.db"); }
  TempDir dir_;
};

TEST_F(SqliteStoreTest, ReopeningRestoresStateRevisionAndHistory) {
  Recorder before;
  {
    auto store = open_store(spec());
    store->put("a", "1");
    store->put("a", "2");
    store->put("b", "x");
    store->del("b");
    store->txn({{}, {Op::put("c/1", "y"), Op::put("c/2", "z")}, {}});
    store->compact(2);
    auto handle = store->watch("", 2, before.callback());
  }
  auto store = open_store(spec());
  EXPECT_EQ(store->revision(), 5);
  auto a = store->get("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->value, "2");
  EXPECT_EQ(a->version, 2);
  EXPECT_FALSE(store->get("b").has_value());
  EXPECT_EQ(keys_of(store->range("")), (Strings{"a", "c/1", "c/2"}));
  EXPECT_THROW(store->watch("", 1, [](const auto&) {}), CompactedError);
  Recorder after;
  auto handle = store->watch("", 2, after.callback());
  EXPECT_EQ(after.events(), before.events());
  EXPECT_EQ(after.revisions(), (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(store->check_integrity(), "");
}

TEST_F(SqliteStoreTest, RevisionsAndVersionsContinueAfterReopen) {
  open_store(spec())->put("k", "1");
  auto store = open_store(spec());
  EXPECT_EQ(store->put("k", "2"), 2);
  EXPECT_EQ(store->get("k")->version, 2);
  EXPECT_EQ(store->get("k")->create_revision, 1);
}

TEST_F(SqliteStoreTest, AutoCompactionIsPersisted) {
  {
    LocalStore store(std::make_unique<SqliteJournal>(dir_.file("store.db")),
                     {.history_revisions = 4});
    for (int i = 0; i < 20; ++i) store.put("k", std::to_string(i));
  }
  auto store = open_store(spec());
  EXPECT_THROW(store->watch("", 1, [](const auto&) {}), CompactedError);
  Recorder rec;
  auto handle = store->watch("", 17, rec.callback());
  EXPECT_EQ(rec.revisions(), (std::vector<int64_t>{17, 18, 19, 20}));
  EXPECT_EQ(store->check_integrity(), "");
}

TEST_F(SqliteStoreTest, SpecSelectsSyncMode) {
  auto full = open_store(spec() + "?sync=full");
  EXPECT_EQ(full->put("k", "v"), 1);
  full.reset();
  EXPECT_EQ(open_store(spec() + "?sync=normal")->get("k")->value, "v");
  EXPECT_TRUE(contains(open_error(spec() + "?sync=sometimes"), "unknown option 'sync=sometimes'"));
}

TEST_F(SqliteStoreTest, CreatesMissingParentDirectories) {
  auto store = open_store("sqlite:" + dir_.file("a/b/c/store.db"));
  EXPECT_EQ(store->put("k", "v"), 1);
}

TEST(OpenStoreTest, UnknownSpecsAreRejected) {
  EXPECT_EQ(open_error("redis://localhost:6379"),
            "unknown store 'redis://localhost:6379': expected memory, sqlite:PATH, "
            "etcd://host:port[,host:port...] or etcd+tls://...");
  EXPECT_TRUE(contains(open_error(""), "unknown store ''"));
  EXPECT_TRUE(contains(open_error("sqlite:"), "expected sqlite:PATH"));
  EXPECT_EQ(open_store("memory")->put("k", "v"), 1);
}

TEST_F(SqliteStoreTest, GarbageFileIsAStoreError) {
  std::string path = dir_.file("store.db");
  write_file(path, std::string(8192, 'G') + "this is not a database");
  std::string error = open_error("sqlite:" + path);
  EXPECT_TRUE(contains(error, path));
  EXPECT_TRUE(contains(error, "not a SQLite database"));
}

TEST_F(SqliteStoreTest, ForeignSqliteDatabaseIsAStoreError) {
  std::string path = dir_.file("other.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_TRUE(contains(open_error("sqlite:" + path), "not a kmslab store"));
}

TEST_F(SqliteStoreTest, UnwritableLocationIsAStoreError) {
  // Root may write anywhere, so make the parent a regular file: no user can create under it.
  std::string blocker = dir_.file("blocker");
  write_file(blocker, "x");
  std::string error = open_error("sqlite:" + blocker + "/sub/store.db");
  EXPECT_TRUE(contains(error, blocker + "/sub/store.db"));
  EXPECT_TRUE(contains(error, "cannot create directory"));
  EXPECT_TRUE(contains(open_error("sqlite:" + dir_.path()), "is a directory"));
}

TEST_F(SqliteStoreTest, AStoreInUseCannotBeOpenedTwice) {
  auto store = open_store(spec());
  store->put("k", "v");
  EXPECT_TRUE(contains(open_error(spec()), "in use by another store"));
  EXPECT_EQ(store->put("k", "w"), 2);
}

TEST_F(SqliteStoreTest, CorruptedPagesAreReportedNotCrashed) {
  std::string path = dir_.file("store.db");
  {
    auto store = open_store(spec());
    for (int i = 0; i < 200; ++i) store->put("key/" + std::to_string(i), std::string(100, 'v'));
  }
  {
    std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(4096 * 2 + 100);
    file << std::string(3000, '\x5a');
  }
  try {
    auto store = open_store(spec());
    EXPECT_NE(store->check_integrity(), "");
  } catch (const StoreError& e) {
    EXPECT_TRUE(contains(std::string(e.what()), path));
  }
}

}  // namespace
}  // namespace kmslab::store::testing

namespace kmslab::store::testing {
namespace {

// Regression: a cached statement left on a row held a read transaction open for the life of the
// store, so no WAL checkpoint could complete and the WAL grew by every commit (1.7 GB after
// 50,000 key versions in the Key Vault benchmark).
TEST(SqliteWalTest, WalStaysBoundedUnderSustainedWrites) {
  TempDir dir;
  const std::string path = dir.file("store.db");
  auto store = open_store("sqlite:" + path);
  const std::string value(2048, 'v');
  for (int i = 0; i < 6000; ++i) store->put("/k/" + std::to_string(i % 500), value);
  const auto wal = std::filesystem::file_size(path + "-wal");
  EXPECT_LT(wal, 16u * 1024 * 1024) << "WAL of " << wal << " bytes: checkpoints are not completing";
}

}  // namespace
}  // namespace kmslab::store::testing
