#include "emulator/core/process.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <utility>

namespace kmslab::core {

namespace fs = std::filesystem;

namespace {

std::vector<char*> c_strings(std::vector<std::string>& items) {
  std::vector<char*> out;
  out.reserve(items.size() + 1);
  for (auto& s : items) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int open_output(const fs::path& output) {
  if (output.empty()) return ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  return ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

// Between fork and exec only async-signal-safe calls: everything was prepared before the fork.
[[noreturn]] void exec_child(pid_t parent, int in, int out, int report, const char* program,
                             char** argv, char** envp) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // An ignored signal stays ignored across exec: give the child the defaults.
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) ::signal(sig, SIG_DFL);
  dup2(in, 0);
  dup2(out, 1);
  dup2(out, 2);
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);  // inherited sockets and files close at exec
  execve(program, argv, envp);
  const int err = errno;
  (void)!write(report, &err, sizeof err);
  _exit(127);
}

}  // namespace

ChildProcess ChildProcess::spawn(const SpawnOptions& options) {
  std::vector<std::string> argv_s{options.program};
  argv_s.insert(argv_s.end(), options.args.begin(), options.args.end());
  std::vector<std::string> env_s = options.env;
  auto argv = c_strings(argv_s);
  auto envp = c_strings(env_s);
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int out = open_output(options.output);
  int report[2] = {-1, -1};
  if (in < 0 || out < 0 || pipe2(report, O_CLOEXEC) != 0) {
    const int err = errno;
    for (int fd : {in, out, report[0], report[1]})
      if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot start " + options.program + ": " + std::strerror(err) +
                             (out < 0 ? " (" + options.output.string() + ")" : ""));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0)
    exec_child(parent, in, out, report[1], options.program.c_str(), argv.data(), envp.data());
  const int fork_errno = errno;
  ::close(in);
  ::close(out);
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    throw std::runtime_error("cannot start " + options.program +
                             ": fork: " + std::strerror(fork_errno));
  }
  setpgid(pid, pid);  // as the child does: whichever runs first, the group exists
  int exec_errno = 0;
  ssize_t n;
  do {
    n = read(report[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  ChildProcess child(pid);
  if (n > 0) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    child.pid_ = -1;
    throw std::runtime_error("cannot start " + options.program + ": " + std::strerror(exec_errno));
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(other.status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !status_) terminate(std::chrono::seconds(2));
    pid_ = std::exchange(other.pid_, -1);
    status_ = other.status_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) terminate(std::chrono::seconds(2));
}

bool ChildProcess::running() {
  if (pid_ <= 0 || status_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = status;
    ::kill(-pid_, SIGKILL);  // whatever the child left behind in its group goes with it
    return false;
  }
  return r == 0;
}

bool ChildProcess::signal(int sig) {
  if (!running()) return false;
  return ::kill(-pid_, sig) == 0 || ::kill(pid_, sig) == 0;
}

void ChildProcess::terminate(std::chrono::milliseconds grace) {
  if (!signal(SIGTERM)) return;
  constexpr auto kPoll = std::chrono::milliseconds(5);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(kPoll);
  if (!running()) return;
  signal(SIGKILL);
  const auto kill_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (running() && std::chrono::steady_clock::now() < kill_deadline)
    std::this_thread::sleep_for(kPoll);
  if (running()) {  // SIGKILL always ends a process; only an unkillable D-state one gets here
    int status = 0;
    waitpid(pid_, &status, 0);
    status_ = status;
  }
}

std::string describe_exit(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    const char* name = strsignal(sig);
    return "killed by signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : "");
  }
  return "ended with wait status " + std::to_string(wait_status);
}

std::optional<fs::path> find_program(const std::vector<fs::path>& candidates,
                                     const std::string& name, const std::string& path_env) {
  auto executable = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
  };
  for (const auto& c : candidates)
    if (!c.empty() && executable(c)) return fs::absolute(c).lexically_normal();
  size_t start = 0;
  while (start <= path_env.size()) {
    const size_t colon = path_env.find(':', start);
    const std::string dir =
        path_env.substr(start, colon == std::string::npos ? colon : colon - start);
    if (!dir.empty() && executable(fs::path(dir) / name)) return fs::path(dir) / name;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return std::nullopt;
}

std::string tail_lines(const fs::path& file, size_t max_lines, size_t max_bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff from = size > static_cast<std::streamoff>(max_bytes) ? size - max_bytes : 0;
  in.seekg(from);
  std::string text(static_cast<size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  size_t pos = text.size();
  for (size_t lines = 0; lines < max_lines && pos > 0; ++lines) {
    const size_t nl = text.rfind('\n', pos - 1);
    pos = nl == std::string::npos ? 0 : nl;
    if (nl == std::string::npos) break;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

void cap_log_file(const fs::path& file, uintmax_t cap) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(file, ec);
  if (ec || size <= cap) return;
  fs::path old = file;
  old += ".1";
  fs::copy_file(file, old, fs::copy_options::overwrite_existing, ec);
  if (ec) return;
  ::chmod(old.c_str(), 0600);
  ::truncate(file.c_str(), 0);
}

}  // namespace kmslab::core
