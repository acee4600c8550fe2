#pragma once
// Child processes, written once: fork + exec with the child in a process group of its own (a
// signal reaches it and anything it starts), killed with SIGKILL when the thread that spawned it
// exits (PR_SET_PDEATHSIG: nothing outlives a crashed parent), stdout and stderr appended to a
// file, and an exec failure reported to the caller rather than as a mysterious exit 127.
//
// PR_SET_PDEATHSIG follows the spawning *thread*: spawn from a thread that lives as long as the
// child should (the AKS supervisor spawns each cluster's processes from that cluster's thread).
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kmslab::core {

struct SpawnOptions {
  std::string program;            // a path (no PATH search: find_program() does that)
  std::vector<std::string> args;  // argv[1..]
  std::vector<std::string> env;   // the child's whole environment, "NAME=value"
  std::filesystem::path output;  // stdout and stderr appended here (created 0600); empty: /dev/null
};

class ChildProcess {
 public:
  /// Starts the program; throws std::runtime_error naming the program and the reason when it
  /// cannot be started (missing, not executable, fork failed).
  static ChildProcess spawn(const SpawnOptions& options);

  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  /// Terminates a child still running (SIGTERM, then SIGKILL after two seconds).
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  /// True until the child has exited; reaps it (without blocking) when it has.
  bool running();
  /// The wait status once the child has exited (see describe_exit).
  std::optional<int> wait_status() const { return status_; }
  /// Sends `sig` to the child's process group; false when it has already exited.
  bool signal(int sig);
  /// SIGTERM to the group, then SIGKILL once `grace` has passed; returns after the child is reaped
  /// (polls every few milliseconds, bounded by grace plus a second for SIGKILL).
  void terminate(std::chrono::milliseconds grace);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  std::optional<int> status_;
};

/// "exited with status 1", "killed by signal 9 (Killed)".
std::string describe_exit(int wait_status);

/// The first executable among `candidates` (paths, used as given), then `name` on `path_env`
/// (a PATH value); nullopt when none is.
std::optional<std::filesystem::path> find_program(
    const std::vector<std::filesystem::path>& candidates, const std::string& name,
    const std::string& path_env);

/// The last `max_lines` lines of a text file (empty when it is missing), at most `max_bytes` read.
std::string tail_lines(const std::filesystem::path& file, size_t max_lines,
                       size_t max_bytes = 8192);

/// Keeps a log file under `cap` bytes: above it, the content moves to `<file>.1` (replacing the
/// previous one) and the file is truncated in place, so a child appending to it (O_APPEND) goes on
/// writing at the new start (logrotate's copytruncate).
void cap_log_file(const std::filesystem::path& file, uintmax_t cap);

}  // namespace kmslab::core
