// core::ChildProcess and its helpers: exec failures reported, exit statuses described, the whole
// group terminated, nothing surviving a parent killed with -9, log caps and tails.
#include "emulator/core/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "emulator/core/files.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::core {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool alive(pid_t pid) {
  // A zombie is not alive: its /proc/PID/stat state is Z.
  try {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    return stat.find(") Z ") == std::string::npos;
  } catch (const std::exception&) {
    return false;
  }
}

template <class F>
bool eventually(F&& f) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return f();
}

int wait_exit(ChildProcess& child) {
  EXPECT_TRUE(eventually([&] { return !child.running(); }));
  return child.wait_status().value_or(-1);
}

TEST(Process, OutputEnvironmentAndStatus) {
  testing::TempDir dir;
  const fs::path log = dir.file("out.log");
  auto child = ChildProcess::spawn(
      {"/bin/sh", {"-c", "echo out; echo err >&2; echo $GREETING; exit 3"}, {"GREETING=hi"}, log});
  const int status = wait_exit(child);
  EXPECT_EQ(describe_exit(status), "exited with status 3");
  EXPECT_EQ(read_file(log), "out\nerr\nhi\n");
  EXPECT_EQ(fs::status(log).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto again = ChildProcess::spawn({"/bin/sh", {"-c", "echo two"}, {}, log});
  wait_exit(again);
  EXPECT_EQ(read_file(log), "out\nerr\nhi\ntwo\n");  // appended
}

TEST(Process, ExecFailureIsAnError) {
  try {
    ChildProcess::spawn({"/nonexistent/kmslab-binary", {}, {}, {}});
    FAIL() << "spawned a missing program";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/kmslab-binary: No such file"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(ChildProcess::spawn({"/bin/true", {}, {}, "/nonexistent-dir/x.log"}),
               std::runtime_error);
}

TEST(Process, TerminateEndsTheGroupAndEscalates) {
  testing::TempDir dir;
  // The shell ignores SIGTERM and leaves a grandchild: terminate must still end both.
  const fs::path pidfile = dir.file("grandchild");
  auto child = ChildProcess::spawn(
      {"/bin/sh",
       {"-c", "trap '' TERM; sleep 60 & echo $! > " + pidfile.string() + "; wait"},
       {},
       {}});
  ASSERT_TRUE(eventually([&] { return fs::exists(pidfile) && fs::file_size(pidfile) > 0; }));
  const pid_t grandchild = std::stoi(read_file(pidfile));
  EXPECT_TRUE(child.running());
  child.terminate(100ms);
  EXPECT_FALSE(child.running());
  EXPECT_TRUE(WIFSIGNALED(*child.wait_status()));
  EXPECT_EQ(WTERMSIG(*child.wait_status()), SIGKILL);
  EXPECT_TRUE(eventually([&] { return !alive(grandchild); }));
  EXPECT_FALSE(child.signal(SIGTERM));  // gone: nothing to signal
  EXPECT_NE(describe_exit(*child.wait_status()).find("killed by signal 9"), std::string::npos);
}

TEST(Process, ChildDiesWithItsParent) {
  testing::TempDir dir;
  const fs::path pidfile = dir.file("child");
  const pid_t parent = fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    auto child = ChildProcess::spawn({"/bin/sleep", {"60"}, {}, {}});
    std::ofstream(pidfile.string() + ".tmp") << child.pid();
    fs::rename(pidfile.string() + ".tmp", pidfile);
    pause();
    _exit(0);
  }
  ASSERT_TRUE(eventually([&] { return fs::exists(pidfile); }));
  const pid_t grandchild = std::stoi(read_file(pidfile));
  EXPECT_TRUE(alive(grandchild));
  ::kill(parent, SIGKILL);
  int status = 0;
  waitpid(parent, &status, 0);
  EXPECT_TRUE(eventually([&] { return !alive(grandchild); }));
}

TEST(Process, FindProgram) {
  testing::TempDir dir;
  EXPECT_EQ(find_program({"/nonexistent/x", "/bin/sh"}, "sh", ""), fs::path("/bin/sh"));
  EXPECT_EQ(find_program({}, "sh", "/nonexistent:/bin"), fs::path("/bin/sh"));
  std::ofstream(dir.file("plain")) << "not executable";
  EXPECT_FALSE(find_program({dir.file("plain")}, "plain", dir.path()));
  EXPECT_FALSE(find_program({}, "kmslab-no-such-tool", "/bin::/usr/bin"));
}

TEST(Process, TailAndCap) {
  testing::TempDir dir;
  const fs::path log = dir.file("x.log");
  EXPECT_EQ(tail_lines(log, 3), "");
  std::ofstream(log) << "a\nb\nc\nd\n";
  EXPECT_EQ(tail_lines(log, 2), "c\nd");
  EXPECT_EQ(tail_lines(log, 10), "a\nb\nc\nd");
  EXPECT_EQ(tail_lines(log, 10, 3), "\nd");  // only the last 3 bytes were read
  cap_log_file(log, 100);
  EXPECT_EQ(fs::file_size(log), 8u);  // under the cap: untouched
  cap_log_file(log, 4);
  EXPECT_EQ(fs::file_size(log), 0u);
  EXPECT_EQ(read_file(log.string() + ".1"), "a\nb\nc\nd\n");
}

}  // namespace
}  // namespace kmslab::core
