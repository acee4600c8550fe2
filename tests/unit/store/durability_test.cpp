// An acknowledged transaction survives kill -9: a child process writes and acknowledges each
// commit through a pipe, the parent kills it mid-stream and checks every acknowledged write.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <set>

#include "tests/unit/store/store_test_support.hpp"

namespace kmslab::store::testing {
namespace {

std::string key_for(int64_t index) {
  char key[32];
  std::snprintf(key, sizeof key, "key/%08lld", static_cast<long long>(index));
  return key;
}

std::string value_for(const std::string& key) {
  return "value of " + key + std::string(200, '.');
}

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Transaction i writes key i and the high-water mark at revision i + 1, so that the store itself
// tells where to continue and whether the two writes stayed together.
[[noreturn]] void write_until_killed(const std::string& spec, int ack_fd) {
  try {
    auto store = open_store(spec);
    for (int64_t i = store->revision();; ++i) {
      std::string key = key_for(i);
      store->txn({{}, {Op::put(key, value_for(key)), Op::put("last", std::to_string(i))}, {}});
      if (!write_all(ack_fd, key + "\n")) _exit(3);
    }
  } catch (const std::exception& e) {
    write_all(ack_fd, std::string("ERROR ") + e.what() + "\n");
    _exit(2);
  }
}

class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  bool next(std::string& line) {
    for (;;) {
      if (size_t eol = buffer_.find('\n'); eol != std::string::npos) {
        line = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 1);
        return true;
      }
      char chunk[4096];
      ssize_t n = read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buffer_;
};

// Runs one child until `kill_after` acknowledgements, kills it, and returns every acknowledged key.
std::vector<std::string> run_and_kill(const std::string& spec, int kill_after) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    write_until_killed(spec, fds[1]);
  }
  close(fds[1]);
  LineReader reader(fds[0]);
  std::vector<std::string> acked;
  std::string line;
  while (static_cast<int>(acked.size()) < kill_after && reader.next(line)) acked.push_back(line);
  kill(pid, SIGKILL);
  // Acknowledgements already in the pipe were written after their commit returned: they count.
  while (reader.next(line)) acked.push_back(line);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
  return acked;
}

void expect_acknowledged_writes_present(Store& store, const std::vector<std::string>& acked) {
  for (const std::string& key : acked) {
    ASSERT_FALSE(key.starts_with("ERROR")) << key;
    auto kv = store.get(key);
    ASSERT_TRUE(kv.has_value()) << "acknowledged key " << key << " is lost";
    ASSERT_EQ(kv->value, value_for(key));
  }
}

// Every committed transaction is whole: keys 0..revision-1 exist, each at its own revision, and
// the high-water mark names the last one.
void expect_consistent_revisions(Store& store) {
  int64_t revision = store.revision();
  RangeResult keys = store.range("key/");
  ASSERT_EQ(static_cast<int64_t>(keys.kvs.size()), revision);
  for (int64_t i = 0; i < revision; ++i) {
    ASSERT_EQ(keys.kvs[i].key, key_for(i));
    ASSERT_EQ(keys.kvs[i].mod_revision, i + 1);
  }
  ASSERT_EQ(store.get("last")->value, std::to_string(revision - 1));
  ASSERT_EQ(store.get("last")->mod_revision, revision);
}

TEST(DurabilityTest, AcknowledgedWritesSurviveKillNine) {
  TempDir dir;
  std::string path = dir.file("store.db");
  const std::vector<std::pair<std::string, int>> cycles = {
      {"", 300}, {"?sync=full", 120}, {"", 450}, {"", 200}};
  int64_t revision = 0;
  for (const auto& [options, kill_after] : cycles) {
    SCOPED_TRACE("cycle killing after " + std::to_string(kill_after) + " acks" + options);
    std::vector<std::string> acked = run_and_kill("sqlite:" + path + options, kill_after);
    ASSERT_GE(acked.size(), static_cast<size_t>(kill_after));

    auto store = open_store("sqlite:" + path);
    expect_acknowledged_writes_present(*store, acked);
    expect_consistent_revisions(*store);
    // A kill can lose the acknowledgement of the one commit in flight, never a commit.
    auto acknowledged = static_cast<int64_t>(acked.size());
    EXPECT_GE(store->revision(), revision + acknowledged);
    EXPECT_LE(store->revision(), revision + acknowledged + 1);
    EXPECT_EQ(store->check_integrity(), "");
    revision = store->revision();
  }
}

}  // namespace
}  // namespace kmslab::store::testing
